import Foundation
import InfernetCore
import XCTest

/// `TimeZoneTuning`: only a host already on UTC gets `TZ=GMT`; every other zone is left alone.
final class TimeZoneTuningTests: XCTestCase {
    func testAUTCHostIsNamedGMT() {
        for link in ["/usr/share/zoneinfo/Etc/UTC", "../usr/share/zoneinfo/UTC", "/usr/share/zoneinfo/Zulu",
                     "/usr/share/zoneinfo/Etc/GMT-0", "/var/db/timezone/zoneinfo/Universal"] {
            XCTAssertEqual(TimeZoneTuning.zone(tz: nil, localTime: .link(link)), "GMT", link)
        }
        // No /etc/localtime at all (slim images): glibc and Foundation both take UTC.
        XCTAssertEqual(TimeZoneTuning.zone(tz: nil, localTime: .missing), "GMT")
        // TZ naming UTC in another spelling, with or without the leading colon.
        XCTAssertEqual(TimeZoneTuning.zone(tz: "UTC", localTime: .link("/usr/share/zoneinfo/Europe/Berlin")), "GMT")
        XCTAssertEqual(TimeZoneTuning.zone(tz: ":Etc/UTC", localTime: .missing), "GMT")
    }

    func testEveryOtherZoneIsLeftAlone() {
        for link in ["/usr/share/zoneinfo/Europe/Berlin", "/usr/share/zoneinfo/Etc/GMT+1", "/usr/share/zoneinfo/America/New_York",
                     "/etc/UTC-but-not-zoneinfo"] {
            XCTAssertNil(TimeZoneTuning.zone(tz: nil, localTime: .link(link)), link)
        }
        XCTAssertNil(TimeZoneTuning.zone(tz: nil, localTime: .other), "a copied zone file is not looked into")
        // TZ wins over /etc/localtime, as it does for glibc.
        XCTAssertNil(TimeZoneTuning.zone(tz: "Asia/Tokyo", localTime: .link("/usr/share/zoneinfo/Etc/UTC")))
        XCTAssertNil(TimeZoneTuning.zone(tz: "EST5EDT", localTime: .missing))
        XCTAssertNil(TimeZoneTuning.zone(tz: "", localTime: .missing), "an empty TZ is glibc's own UTC; left as set")
        XCTAssertNil(TimeZoneTuning.zone(tz: "GMT", localTime: .missing), "already GMT")
    }

    /// What the rule relies on for log lines: glibc reads `TZ=GMT` as UTC, so swift-log's
    /// timestamps keep `+0000` (checked in a child process, whose environment a test may set).
    func testGlibcReadsTZGMTAsUTC() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "date +%z"]
        process.environment = ["TZ": "GMT"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "+0000", "glibc reads TZ=GMT as UTC")
    }
}
