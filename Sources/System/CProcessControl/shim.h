// prctl(2) is variadic, which Swift cannot call: one fixed-signature wrapper per use.
#include <sys/prctl.h>
#include <signal.h>

/// Asks the kernel to send `signal` to this process when the thread that forked it exits.
static inline int infernet_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

// glibc malloc tunables (mallopt is declared in <malloc.h>, which Swift's Glibc module leaves out).
#include <malloc.h>

/// Caps the number of malloc arenas (glibc's default is 8 per core).
static inline int infernet_malloc_set_arena_max(int arenas) {
    return mallopt(M_ARENA_MAX, arenas);
}
