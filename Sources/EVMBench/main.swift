// infernet-evm-bench: throughput of the EVM library's hot paths, next to libsecp256k1 alone.
// Run a release build: swift build -c release --scratch-path .build-evm-release --product infernet-evm-bench
import InfernetCore
import CSecp256k1
import EVM
import InfernetSDK
import Foundation

/// Runs `body` in rounds until `seconds` have passed; returns operations per second.
func measure(_ name: String, seconds: Double = 1.5, batch: Int, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    for _ in 0..<max(1, batch / 10) { try body() }  // warm up
    var operations = 0
    let start = clock.now
    var elapsed = 0.0
    repeat {
        for _ in 0..<batch { try body() }
        operations += batch
        let duration = clock.now - start
        elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    } while elapsed < seconds
    return Double(operations) / elapsed
}

func format(_ value: Double) -> String { String(format: "%12.0f", value) }

var sink: UInt8 = 0
let megabyte = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })

print("EVM library benchmark (single thread)")
let keccakLarge = measure("keccak-1MiB", batch: 20) { sink ^= Keccak256.hash(megabyte)[0] }
print("Keccak-256, 1 MiB inputs:          \(String(format: "%10.1f", keccakLarge)) MB/s   (target >= 300)")
let small = Data(repeating: 7, count: 64)
let keccakSmall = measure("keccak-64B", batch: 10000) { sink ^= Keccak256.hash(small)[0] }
print("Keccak-256, 64-byte inputs:        \(format(keccakSmall)) hashes/s")

// Swift API.
let key = (try? PrivateKey(Keccak256.hash("bench"))) ?? PrivateKey.random()
let digest = Keccak256.hash("message")
let signature = try key.sign(hash: digest)
let swiftSign = try measure("sign", batch: 500) { sink ^= try key.sign(hash: digest).r[0] }
let swiftRecover = try measure("recover", batch: 500) { sink ^= try signature.recoverAddress(hash: digest).rawValue[0] }
let swiftBoth = try measure("sign+recover", batch: 250) {
    sink ^= try key.sign(hash: digest).recoverAddress(hash: digest).rawValue[0]
}

// libsecp256k1 alone: the same operations straight through the C API (recover includes
// serialising the public key, the address hash is not included).
guard let context = secp256k1_context_create(UInt32(SECP256K1_FLAGS_TYPE_CONTEXT)) else {
    fatalError("secp256k1_context_create failed")
}
let keyBytes = [UInt8](key.rawValue), message = [UInt8](digest)
var rawSignature = secp256k1_ecdsa_recoverable_signature()
_ = secp256k1_ecdsa_sign_recoverable(context, &rawSignature, message, keyBytes, nil, nil)
let cSign = measure("c-sign", batch: 500) {
    var out = secp256k1_ecdsa_recoverable_signature()
    _ = secp256k1_ecdsa_sign_recoverable(context, &out, message, keyBytes, nil, nil)
    sink ^= out.data.0
}
func cRecover(_ signature: inout secp256k1_ecdsa_recoverable_signature) -> UInt8 {
    var pubkey = secp256k1_pubkey()
    _ = secp256k1_ecdsa_recover(context, &pubkey, &signature, message)
    var serialized = [UInt8](repeating: 0, count: 65)
    var length = 65
    _ = secp256k1_ec_pubkey_serialize(context, &serialized, &length, &pubkey, UInt32(SECP256K1_EC_UNCOMPRESSED))
    return serialized[1]
}
let cRecoverRate = measure("c-recover", batch: 500) { sink ^= cRecover(&rawSignature) }
let cBoth = measure("c-sign+recover", batch: 250) {
    var out = secp256k1_ecdsa_recoverable_signature()
    _ = secp256k1_ecdsa_sign_recoverable(context, &out, message, keyBytes, nil, nil)
    sink ^= cRecover(&out)
}
print("secp256k1 sign:                    \(format(swiftSign))/s   libsecp256k1 alone \(format(cSign))/s   ratio \(String(format: "%.2f", cSign / swiftSign))x")
print("secp256k1 recover (to address):    \(format(swiftRecover))/s   libsecp256k1 alone \(format(cRecoverRate))/s   ratio \(String(format: "%.2f", cRecoverRate / swiftRecover))x")
print("sign + recover:                    \(format(swiftBoth))/s   libsecp256k1 alone \(format(cBoth))/s   ratio \(String(format: "%.2f", cBoth / swiftBoth))x   (target <= 1.5x)")

// ABI: a typical deliverCompute call (300-byte output, empty proof).
let output = OnchainOutput(pythonRepr: "{'output': '" + String(repeating: "x", count: 260) + "', 'code': '200'}")
let wallet = (try? Address(hex: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")) ?? .zero
let calldata = try CoordinatorContract.deliverComputeCalldata(subscriptionID: 42, interval: 7, output: output, nodeWallet: wallet)
let encodeRate = try measure("abi-encode", batch: 2000) {
    sink ^= try CoordinatorContract.deliverComputeCalldata(subscriptionID: 42, interval: 7, output: output, nodeWallet: wallet)[0]
}
let decodeRate = try measure("abi-decode", batch: 2000) {
    sink ^= UInt8(try InfernetABI.Coordinator.deliverCompute.decodeCall(calldata).count)
}
print("ABI encode deliverCompute (\(calldata.count) B): \(format(encodeRate)) calls/s")
print("ABI decode deliverCompute (\(calldata.count) B): \(format(decodeRate)) calls/s")
// A Reader batch as the subscription sync reads it: 500 subscriptions of `readSubscriptionBatch`,
// from the `eth_call` result's hex text to `Subscription` values.
let batchOwner = (try? Address(hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf")) ?? .zero
let batch = (0..<500).map { index in
    Subscription(owner: batchOwner, activeAt: UInt32(1_700_000_000 + index), period: 60, frequency: 10, redundancy: 1,
                 containerID: Keccak256.hash("container-\(index)"), lazy: false, verifier: .zero,
                 paymentAmount: 1_000_000, paymentToken: .zero, wallet: wallet)
}
let batchHex = Hex.encode(try InfernetABI.Reader.readSubscriptionBatch.encodeOutput([.array(batch.map(\.abiValue))]))
let batchRate = try measure("reader-batch", batch: 5) {
    let values = try InfernetABI.Reader.readSubscriptionBatch.decodeOutput(try Hex.decode(batchHex))
    let decoded = try values[0].arrayValue().map { try Subscription(abiValue: $0) }
    sink ^= UInt8(truncatingIfNeeded: decoded.count)
}
print("Reader batch of 500 subscriptions (\(batchHex.utf8.count / 1024) KiB of hex → Subscription): \(format(batchRate)) batches/s, \(String(format: "%.2f", 1000 / batchRate)) ms each")
// A JSON-RPC answer as the chain worker reads them: eth_getTransactionReceipt with two logs.
let receiptJSON = Data(("""
    {"jsonrpc":"2.0","id":7,"result":{"transactionHash":"0x\(String(repeating: "ab", count: 32))","transactionIndex":"0x3",
    "blockHash":"0x\(String(repeating: "cd", count: 32))","blockNumber":"0x1b4","from":"0x\(String(repeating: "11", count: 20))",
    "to":"0x\(String(repeating: "22", count: 20))","cumulativeGasUsed":"0x33bc","gasUsed":"0x4dc","effectiveGasPrice":"0x3b9aca00",
    "contractAddress":null,"status":"0x1","type":"0x2","logsBloom":"0x\(String(repeating: "00", count: 256))","logs":[
    """ + (0..<2).map { index in
        """
        {"address":"0x\(String(repeating: "33", count: 20))","topics":["0x\(String(repeating: "44", count: 32))","0x\(String(repeating: "55", count: 32))"],
        "data":"0x\(String(repeating: "66", count: 96))","blockNumber":"0x1b4","transactionHash":"0x\(String(repeating: "ab", count: 32))",
        "transactionIndex":"0x3","blockHash":"0x\(String(repeating: "cd", count: 32))","logIndex":"0x\(index)","removed":false}
        """
    }.joined(separator: ",") + "]}}").utf8)
let receiptDecoderRate = try measure("rpc-receipt-decoder", batch: 500) {
    sink ^= UInt8(truncatingIfNeeded: try JSONDecoder().decode(RPCValue.self, from: receiptJSON)["id"] == .int(7) ? 1 : 0)
}
let receiptParserRate = try measure("rpc-receipt-parser", batch: 500) {
    sink ^= UInt8(truncatingIfNeeded: try RPCValue(parsing: receiptJSON)["id"] == .int(7) ? 1 : 0)
}
print("JSON-RPC receipt answer (\(receiptJSON.count) B) to RPCValue: JSONDecoder \(format(receiptDecoderRate))/s, JSONParser \(format(receiptParserRate))/s (\(String(format: "%.1f", receiptParserRate / receiptDecoderRate))x)")
// The Reader batch's whole JSON-RPC answer, as the sync receives it, to `Subscription` values.
let batchAnswer = Data(#"{"jsonrpc":"2.0","id":3,"result":"\#(batchHex)"}"#.utf8)
func subscriptions(in answer: RPCValue) throws -> Int {
    guard let hex = answer["result"]?.stringValue else { throw RPCError.invalidResponse("no result", method: "eth_call") }
    let values = try InfernetABI.Reader.readSubscriptionBatch.decodeOutput(try Hex.decode(hex))
    return try values[0].arrayValue().map { try Subscription(abiValue: $0) }.count
}
let answerDecoderRate = try measure("reader-answer-decoder", batch: 5) {
    sink ^= UInt8(truncatingIfNeeded: try subscriptions(in: try JSONDecoder().decode(RPCValue.self, from: batchAnswer)))
}
let answerParserRate = try measure("reader-answer-parser", batch: 5) {
    sink ^= UInt8(truncatingIfNeeded: try subscriptions(in: try RPCValue(parsing: batchAnswer)))
}
print("Reader batch answer (\(batchAnswer.count / 1024) KiB of JSON → Subscription): JSONDecoder \(String(format: "%.2f", 1000 / answerDecoderRate)) ms, JSONParser \(String(format: "%.2f", 1000 / answerParserRate)) ms each (\(String(format: "%.1f", answerParserRate / answerDecoderRate))x)")
// A JSON-RPC request as the chain worker sends them: eth_sendRawTransaction of a delivery
// (~1.3 KB of hex), written by JSONEncoder and by `RPCValue.jsonText`.
let sendRequest: RPCValue = .object([
    "jsonrpc": "2.0", "id": .int(12), "method": "eth_sendRawTransaction",
    "params": .array([.string(Hex.encode(Data(repeating: 0x5a, count: 676), prefix: true))]),
])
let encoderRate = try measure("rpc-request-encoder", batch: 2000) { sink ^= try JSONEncoder().encode(sendRequest)[0] }
let textRate = measure("rpc-request-text", batch: 2000) { sink ^= sendRequest.jsonText?.utf8.first ?? 0 }
print("JSON-RPC request (eth_sendRawTransaction, 676-byte tx): JSONEncoder \(format(encoderRate))/s, RPCValue.jsonText \(format(textRate))/s (\(String(format: "%.1f", textRate / encoderRate))x)")
if sink == 0xFF { print("") }  // keeps the work observable
secp256k1_context_destroy(context)
