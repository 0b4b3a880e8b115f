import Foundation
import InfernetCore
import ServiceClients
import Testing

@Suite("client helpers")
struct ClientTests {
    @Test("SSE: data lines across chunk boundaries, CRLF, comments, multi-line events")
    func sse() {
        var parser = SSEParser()
        var events: [String] = []
        let text = ": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata:two\ndata: lines\n\ndata: [DONE]\n\ndata: tail"
        for piece in text.utf8.chunked(5) { events += parser.feed(piece) }
        events += parser.finish()
        #expect(events == ["{\"a\":1}", "two\nlines", "[DONE]", "tail"])
    }

    @Test("retry delays grow by the multiplier, jitter bounded")
    func retryDelays() {
        let policy = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(3), multiplier: 2, jitter: .zero)
        #expect(policy.delay(afterAttempt: 1) == .seconds(3))
        #expect(policy.delay(afterAttempt: 2) == .seconds(6))
        let jittered = RetryPolicy(initialDelay: .milliseconds(100), jitter: .milliseconds(50))
        for _ in 0..<20 {
            let delay = jittered.delay(afterAttempt: 1)
            #expect(delay >= .milliseconds(100) && delay <= .milliseconds(150))
        }
        #expect(RetryPolicy().maxAttempts == 3)
        #expect(RetryPolicy().retryStatuses == [429, 500])
    }

    @Test("error messages of the common API error shapes")
    func errorMessages() {
        #expect(UpstreamClient.errorMessage(["error": ["message": "m1"]]) == "m1")
        #expect(UpstreamClient.errorMessage(["error": "m2", "error_type": "overloaded"]) == "m2")
        #expect(UpstreamClient.errorMessage(["detail": "m3"]) == "m3")
    }
}

extension Sequence {
    func chunked(_ size: Int) -> [[Element]] {
        var result: [[Element]] = []
        for element in self {
            if result.last.map({ $0.count < size }) != true { result.append([]) }
            result[result.count - 1].append(element)
        }
        return result
    }
}
