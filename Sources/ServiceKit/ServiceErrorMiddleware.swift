import Hummingbird
import Logging

/// Renders every error as JSON `{code, name, description}`: `ServiceError`s as they are,
/// Hummingbird's HTTP errors (404, 413, ...) with their status, anything else as a 500.
struct ServiceErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let serviceError = ServiceError(wrapping: error, request: request)
            if serviceError.status.code >= 500 {
                logger.error("\(request.method) \(request.uri.path) failed: \(serviceError.message)")
            } else {
                logger.debug("\(request.method) \(request.uri.path) refused: \(serviceError.message)")
            }
            return .json(serviceError.json, status: serviceError.status)
        }
    }
}

extension ServiceError {
    /// Any error as a `ServiceError`: unknown errors are 500s carrying their description.
    init(wrapping error: any Error, request: Request) {
        switch error {
        case let error as ServiceError:
            self = error
        case let error as HTTPError:
            let message = error.body ?? (error.status == .notFound
                ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            self.init(status: error.status, message)
        case let error as any HTTPResponseError:
            let message = error.status == .contentTooLarge ? "the request body is too large" : error.status.reasonPhrase
            self.init(status: error.status, message)
        default:
            self = .internalError("service failed: \(error)")
        }
    }
}
