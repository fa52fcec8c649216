#ifndef ACCEPTBENCH_PROBE_H
#define ACCEPTBENCH_PROBE_H

#include <stdio.h>

/* Try each accept-steering feature and each io backend's kernel needs on this
 * kernel, and print "name: answer" lines. */
void probe_print(FILE *out);

#endif
