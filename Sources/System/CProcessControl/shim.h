// prctl(2) is variadic, which Swift cannot call: one fixed-signature wrapper per use.
#include <sys/prctl.h>
#include <signal.h>

/// Asks the kernel to send `signal` to this process when the thread that forked it exits.
static inline int infernet_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}
