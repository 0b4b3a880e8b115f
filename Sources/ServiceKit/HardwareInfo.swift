import Foundation
public import InfernetCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host's hardware, in the shape of the reference services' `hardware_capabilities`:
/// a `base` entry (OS, CPU, memory, disk) and, where `nvidia-smi` works, a `gpu` entry.
public struct HardwareInfo: Sendable, Equatable {
    public struct CPU: Sendable, Equatable {
        public var model = ""
        public var architecture = ""
        public var vendorID = ""
        public var byteOrder = ""
        public var count = 0
        /// MHz per logical core (Linux `/proc/cpuinfo`; empty elsewhere).
        public var coreFrequencies: [Double] = []
    }

    public struct GPU: Sendable, Equatable {
        public var name: String
        public var memoryTotal: Int
        public var memoryUsed: Int
        public var cudaDeviceID: Int
    }

    public var osName = ""
    public var osVersion = ""
    public var cpu = CPU()
    public var memoryTotal = 0
    public var memoryAvailable = 0
    public var diskTotal = 0
    public var diskAvailable = 0
    /// nil: no usable `nvidia-smi` (no GPU).
    public var gpus: [GPU]?
    public var driverVersion = "N/A"
    public var cudaVersion = "N/A"

    public init() {}

    public var json: JSONValue {
        var base = JSONObject()
        base["capability_id"] = "base"
        base["os_info"] = ["name": .string(osName), "version": .string(osVersion)]
        base["cpu_info"] = [
            "model": .string(cpu.model),
            "architecture": .string(cpu.architecture),
            "byte_order": .string(cpu.byteOrder),
            "vendor_id": .string(cpu.vendorID),
            "num_cores": .number(JSONNumber(cpu.count)),
            "cores": .array(cpu.coreFrequencies.enumerated().map { index, mhz in
                ["id": .number(JSONNumber(index)), "frequency": .number(JSONNumber(mhz))]
            }),
        ]
        base["memory_info"] = ["total": .number(JSONNumber(memoryTotal)), "available": .number(JSONNumber(memoryAvailable))]
        base["disk_info"] = [[
            "filesystem": "", "mount_point": "/",
            "size": .number(JSONNumber(diskTotal)),
            "used": .number(JSONNumber(max(0, diskTotal - diskAvailable))),
            "available": .number(JSONNumber(diskAvailable)),
        ]]
        var capabilities: [JSONValue] = [.object(base)]
        if let gpus {
            capabilities.append([
                "capability_id": "gpu",
                "driver_version": .string(driverVersion),
                "cuda_version": .string(cudaVersion),
                "gpu_info": .array(gpus.map { gpu in
                    [
                        "name": .string(gpu.name),
                        "memory_total": .number(JSONNumber(gpu.memoryTotal)),
                        "memory_used": .number(JSONNumber(gpu.memoryUsed)),
                        "cuda_device_id": .number(JSONNumber(gpu.cudaDeviceID)),
                    ]
                }),
            ])
        }
        return .array(capabilities)
    }
}

extension HardwareInfo {
    /// Reads the host's hardware. Runs `nvidia-smi` (bounded by `timeout`) when it is on PATH.
    public static func probe(gpuTimeout: Duration = .seconds(10)) async -> HardwareInfo {
        var info = HardwareInfo()
        let process = ProcessInfo.processInfo
        info.cpu.count = process.activeProcessorCount
        info.memoryTotal = Int(clamping: process.physicalMemory)
        info.memoryAvailable = Self.meminfo("MemAvailable") ?? info.memoryTotal
        var names = utsname()
        if uname(&names) == 0 {
            info.osName = Self.string(from: &names.sysname)
            info.osVersion = Self.string(from: &names.release) + " " + Self.string(from: &names.version)
            info.cpu.architecture = Self.string(from: &names.machine)
        }
        info.cpu.byteOrder = 1.littleEndian == 1 ? "Little Endian" : "Big Endian"
        Self.readCPUInfo(into: &info.cpu)
        if let attributes = try? FileManager.default.attributesOfFileSystem(forPath: "/") {
            info.diskTotal = (attributes[.systemSize] as? NSNumber)?.intValue ?? 0
            info.diskAvailable = (attributes[.systemFreeSize] as? NSNumber)?.intValue ?? 0
        }
        await Self.readGPUs(into: &info, timeout: gpuTimeout)
        return info
    }

    private static func string<T>(from field: inout T) -> String {
        withUnsafeBytes(of: &field) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func meminfo(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    private static func readCPUInfo(into cpu: inout CPU) {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "model name" where cpu.model.isEmpty: cpu.model = value
            case "vendor_id" where cpu.vendorID.isEmpty: cpu.vendorID = value
            case "cpu MHz": if let mhz = Double(value) { cpu.coreFrequencies.append(mhz) }
            default: break
            }
        }
    }

    /// `nvidia-smi` absent or failing means no GPU.
    private static func readGPUs(into info: inout HardwareInfo, timeout: Duration) async {
        guard let smi = CommandRunner.which("nvidia-smi") else { return }
        let query = ["--query-gpu=index,name,memory.total,memory.used,driver_version", "--format=csv,noheader,nounits"]
        guard let table = await CommandRunner.output(of: smi, arguments: query, timeout: timeout) else { return }
        var gpus: [GPU] = []
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 5 else { continue }
            let mib = 1024 * 1024
            gpus.append(GPU(name: fields[1], memoryTotal: (Int(fields[2]) ?? 0) * mib,
                            memoryUsed: (Int(fields[3]) ?? 0) * mib, cudaDeviceID: Int(fields[0]) ?? -1))
            info.driverVersion = fields[4]
        }
        info.gpus = gpus
        if let summary = await CommandRunner.output(of: smi, arguments: [], timeout: timeout),
           let range = summary.range(of: "CUDA Version:") {
            let rest = summary[range.upperBound...].drop(while: { $0 == " " })
            info.cudaVersion = String(rest.prefix(while: { $0.isNumber || $0 == "." }))
        }
    }
}
