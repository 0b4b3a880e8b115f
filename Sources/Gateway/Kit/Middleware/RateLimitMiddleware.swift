import Hummingbird
import InfernetCore

/// Refuses a client over its rate limit with 429 and a JSON body. `PUT /api/status` (pushes
/// from containers) is exempt, as in the reference node.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let limiter: RateLimiter
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .put, request.uri.path == "/api/status" {
            return try await next(request, context)
        }
        if let wait = limiter.acquire(context.clientAddress) {
            metrics.rateLimited.increment()
            let params = JSONObject([
                (key: "limit", value: .number(JSONNumber(limiter.limit))),
                (key: "period", value: .number(JSONNumber(limiter.period.inSeconds))),
                (key: "retry_after", value: .number(JSONNumber(Int(wait.inSeconds.rounded(.up))))),
            ])
            throw APIError(.tooManyRequests, "Too many requests", params: params)
        }
        return try await next(request, context)
    }
}

/// Counts HTTP requests by method and status class for `/metrics`.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.countRequest(status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            metrics.countRequest(status: error.status.code)
            throw error
        } catch {
            metrics.countRequest(status: 500)
            throw error
        }
    }
}
