public enum InfernetCoreVersion { public static let version = "0.1.0" }
