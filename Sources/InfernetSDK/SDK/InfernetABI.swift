import EVM
import Foundation

/// Declares an ABI function from a literal signature. The signatures below are constants checked
/// by the tests, so a parse failure is a programming error.
private func declare(_ signature: String, returns: String = "") -> ABIFunction {
    do { return try ABIFunction(signature, returns: returns) } catch { preconditionFailure("\(error)") }
}

private func event(_ declaration: String) -> ABIEvent {
    do { return try ABIEvent(declaration: declaration) } catch { preconditionFailure("\(error)") }
}

private let sub = Subscription.abiType.canonicalName

/// The functions and events of the Infernet SDK v1.1 contracts (sdk-abi.md).
public enum InfernetABI {
    public enum Registry {
        public static let coordinator = declare("COORDINATOR()", returns: "address")
        public static let inbox = declare("INBOX()", returns: "address")
        public static let reader = declare("READER()", returns: "address")
        public static let fee = declare("FEE()", returns: "address")
        public static let walletFactory = declare("WALLET_FACTORY()", returns: "address")
    }

    public enum Coordinator {
        public static let id = declare("id()", returns: "uint32")
        public static let getSubscription = declare("getSubscription(uint32)", returns: sub)
        public static let nodeResponded = declare("nodeResponded(bytes32)", returns: "bool")
        public static let redundancyCount = declare("redundancyCount(bytes32)", returns: "uint16")
        public static let proofRequests = declare("proofRequests(bytes32)", returns: "uint32,address,uint256")
        public static let maxSubscriberNonce = declare("maxSubscriberNonce(address)", returns: "uint32")
        public static let delegateCreatedIds = declare("delegateCreatedIds(bytes32)", returns: "uint32")
        public static let eip712Name = declare("EIP712_NAME()", returns: "string")
        public static let eip712Version = declare("EIP712_VERSION()", returns: "string")
        public static let getSubscriptionInterval = declare("getSubscriptionInterval(uint32,uint32)", returns: "uint32")
        public static let createSubscription = declare(
            "createSubscription(string,uint32,uint32,uint16,bool,address,uint256,address,address)", returns: "uint32")
        public static let cancelSubscription = declare("cancelSubscription(uint32)")
        public static let deliverCompute = declare("deliverCompute(uint32,uint32,bytes,bytes,bytes,address)")
        public static let finalizeProofVerification = declare("finalizeProofVerification(uint32,uint32,address,bool)")
        public static let createSubscriptionDelegatee = declare(
            "createSubscriptionDelegatee(uint32,uint32,\(sub),uint8,bytes32,bytes32)", returns: "uint32")
        public static let deliverComputeDelegatee = declare(
            "deliverComputeDelegatee(uint32,uint32,\(sub),uint8,bytes32,bytes32,uint32,bytes,bytes,bytes,address)")

        public static let subscriptionCreated = event("SubscriptionCreated(uint32 indexed id)")
        public static let subscriptionCancelled = event("SubscriptionCancelled(uint32 indexed id)")
        public static let subscriptionFulfilled = event("SubscriptionFulfilled(uint32 indexed id, address indexed node)")
        public static let proofVerified = event(
            "ProofVerified(uint32 indexed id, uint32 indexed interval, address indexed node, bool active, address verifier, bool valid)")
    }

    public enum Inbox {
        public static let write = declare("write(bytes32,bytes,bytes,bytes)", returns: "uint256")
        public static let read = declare("read(bytes32,address,uint256)", returns: "(uint32,uint32,uint32,bytes,bytes,bytes)")
        public static let newInboxItem = event("NewInboxItem(bytes32 indexed containerId, address indexed node, uint256 index)")
    }

    public enum Reader {
        public static let readSubscriptionBatch = declare("readSubscriptionBatch(uint32,uint32)", returns: "\(sub)[]")
        public static let readRedundancyCountBatch = declare("readRedundancyCountBatch(uint32[],uint32[])", returns: "uint16[]")
    }

    public enum WalletFactory {
        public static let createWallet = declare("createWallet(address)", returns: "address")
        public static let isValidWallet = declare("isValidWallet(address)", returns: "bool")
        public static let walletCreated = event("WalletCreated(address indexed caller, address indexed owner, address wallet)")
    }

    public enum Wallet {
        public static let allowance = declare("allowance(address,address)", returns: "uint256")
        public static let withdraw = declare("withdraw(address,uint256)")
        public static let approve = declare("approve(address,address,uint256)")
        public static let owner = declare("owner()", returns: "address")
        public static let transferOwnership = declare("transferOwnership(address)")
        public static let withdrawl = event("Withdrawl(address token, uint256 amount)")
        public static let approval = event("Approval(address indexed spender, address token, uint256 amount)")
        public static let escrow = event("Escrow(address indexed spender, address token, uint256 amount, bool locked)")
        public static let transfer = event("Transfer(address indexed spender, address token, address indexed to, uint256 amount)")
    }

    public enum Fee {
        public static let fee = declare("FEE()", returns: "uint16")
        public static let feeRecipient = declare("FEE_RECIPIENT()", returns: "address")
    }

    public enum Consumer {
        public static let getContainerInputs = declare("getContainerInputs(uint32,uint32,uint32,address)", returns: "bytes")
        public static let getSigner = declare("getSigner()", returns: "address")
        public static let isAllowedNode = declare("isAllowedNode(address)", returns: "bool")
    }

    public enum ERC20 {
        public static let balanceOf = declare("balanceOf(address)", returns: "uint256")
    }
}
