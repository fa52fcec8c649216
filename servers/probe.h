#ifndef ACCEPTBENCH_PROBE_H
#define ACCEPTBENCH_PROBE_H

#include <stdio.h>

/* Try each accept-steering feature on this kernel and print "name: answer". */
void probe_print(FILE *out);

#endif
