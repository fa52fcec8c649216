/* pace: open-loop schedule arithmetic. */
#include "pace.h"

#define NS_PER_S 1000000000ULL

uint64_t pace_offset_ns(uint64_t n, uint64_t rate)
{
    /* Split n into whole seconds and a remainder so n * 1e9 never overflows. */
    return (n / rate) * NS_PER_S + ((n % rate) * NS_PER_S) / rate;
}

uint64_t pace_share(uint64_t total, unsigned nthreads, unsigned index)
{
    return total / nthreads + (index < total % nthreads ? 1 : 0);
}

void pace_init(struct pace *s, uint64_t start_ns, uint64_t rate, unsigned nthreads,
                unsigned index, uint64_t count)
{
    s->start_ns = start_ns;
    s->rate = rate;
    s->next_n = index;
    s->stride = nthreads;
    s->end_n = count ? count : UINT64_MAX;
}

uint64_t pace_due_ns(const struct pace *s)
{
    if (s->next_n >= s->end_n)
        return UINT64_MAX;
    return s->start_ns + pace_offset_ns(s->next_n, s->rate);
}

int pace_take(struct pace *s, uint64_t now_ns, uint64_t *due_ns)
{
    uint64_t due = pace_due_ns(s);
    if (due == UINT64_MAX || due > now_ns)
        return 0;
    *due_ns = due;
    s->next_n += s->stride;
    return 1;
}
