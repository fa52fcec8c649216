#ifndef ACCEPTBENCH_PROBE_H
#define ACCEPTBENCH_PROBE_H

#include <stdio.h>

/* Try, on this kernel, what each axis value needs and whether SO_INCOMING_CPU
 * steers; print a "feature: answer" line for each. */
void probe_print(FILE *out);

#endif
