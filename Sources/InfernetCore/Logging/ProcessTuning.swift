import CProcessControl
import Foundation

// Process-wide settings every process of the node applies first (`ProcessBootstrap.start`),
// before its event loops and bus threads exist: glibc's allocator and environment are not
// safe to change once other threads use them.

/// glibc malloc settings for every process of the node, set here only (first thing in
/// `ProcessBootstrap.start`, before the event loops and the bus threads exist).
///
/// glibc gives threads that allocate concurrently arenas of their own, up to 8 per core, and
/// memory freed in one arena is not reused by the others. NIO starts one event loop per core, so
/// on a large host a process would spread its heap over dozens of arenas. Two bound that. On the
/// 2-core test machine it measured no different from glibc's default (the heap after ~10k jobs
/// at 32 clients was the same within noise: few threads allocate), so this is a bound, not a
/// saving. `MALLOC_ARENA_MAX` in the environment (glibc's own tunable) still wins.
public enum MallocTuning {
    public static let arenaMax: Int32 = 2

    public static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = infernet_malloc_set_arena_max(arenaMax)
    }
}

/// Names a UTC host's time zone `TZ=GMT` for this process and the workers it starts.
///
/// Foundation finds the local time zone through ICU's time-zone database unless `TZ` is exactly
/// "GMT"; Hummingbird's `Date` header builds a Gregorian calendar at start, which asks for it.
/// On a UTC host that read cost the gateway ~1.7 MiB of ICU pages for the zone it had anyway
/// (docs/benchmarks.md, "Memory"). Only a host already on UTC is changed, so times read the
/// same (log lines keep `+0000`); any other zone, or a `TZ` naming one, is left alone.
public enum TimeZoneTuning {
    /// What `/etc/localtime` is.
    public enum LocalTime: Equatable, Sendable {
        /// A link to this path (into the zoneinfo database).
        case link(String)
        /// No such file: glibc and Foundation both use UTC.
        case missing
        /// A copied zone file, or unreadable: not looked into.
        case other
    }

    /// Zone names that are UTC (tzdata's links to `Etc/UTC` and `Etc/GMT`).
    static let utcNames: Set<String> = [
        "UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Universal", "Zulu",
        "Etc/UTC", "Etc/UCT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich", "Etc/Universal", "Etc/Zulu",
    ]

    /// The value `TZ` should take, or nil to leave it as it is. `tz`: `TZ` now (nil: unset).
    public static func zone(tz: String?, localTime: LocalTime) -> String? {
        if let tz {
            let name = tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
            return name != "GMT" && utcNames.contains(name) ? "GMT" : nil
        }
        switch localTime {
        case .missing: return "GMT"
        case .other: return nil
        case .link(let target):
            guard let range = target.range(of: "zoneinfo/") else { return nil }
            return utcNames.contains(String(target[range.upperBound...])) ? "GMT" : nil
        }
    }

    public static func apply() {
        let tz = getenv("TZ").map { String(cString: $0) }
        guard let zone = zone(tz: tz, localTime: localTime()) else { return }
        setenv("TZ", zone, 1)
    }

    static func localTime(path: String = "/etc/localtime") -> LocalTime {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        if count >= 0 { return .link(String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
        return errno == ENOENT ? .missing : .other
    }
}
