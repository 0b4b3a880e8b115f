/// What the chain's refusals of a group of transactions (consecutive nonces, broadcast in
/// order) mean for their nonces. Refusals at the end of the group give their nonces back, as a
/// single refused transaction does: nothing later was taken, so the next send reuses them. A
/// refused transaction followed by one the chain took keeps its nonce and stays pending (re-sent
/// by the transaction manager's poll), because giving it back would leave a gap before the later one.
public enum GroupBroadcast {
    /// The index from which every transaction was refused (`refused.count` when the last one was
    /// taken): their nonces are given back.
    public static func releasedFrom(refused: [Bool]) -> Int {
        var start = refused.count
        while start > 0, refused[start - 1] { start -= 1 }
        return start
    }
}
