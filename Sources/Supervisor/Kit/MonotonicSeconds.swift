import Glibc

/// Seconds on a monotonic clock, for the supervisor's restart bookkeeping (`RestartPolicy`
/// takes plain seconds). Moved here from the bus, which now uses `ContinuousClock`.
func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
