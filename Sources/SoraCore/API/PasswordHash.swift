#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The admin password, stored as an scrypt hash `scrypt:<log2 N>:<r>:<p>:<salt>:<hash>` (base64
/// salt and hash; colons rather than the usual `$`, so a shell that sources the config file
/// expands nothing): a slow, memory-hard KDF, so a leaked config file does not give the password
/// away cheaply.
public enum PasswordHash {
    /// N = 2^15, r = 8, p = 1: about 32 MiB and a tenth of a second per check on this machine.
    public static let logN = 15, blockSize = 8, parallelism = 1

    /// A new hash line value for `password`.
    public static func make(_ password: String, logN: Int = logN) throws -> String {
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let key = try derive(password, salt: salt, logN: logN, r: blockSize, p: parallelism)
        return "scrypt:\(logN):\(blockSize):\(parallelism):\(Data(salt).base64EncodedString()):\(Data(key).base64EncodedString())"
    }

    /// Whether `password` matches `hash` (constant time in the comparison). A malformed hash
    /// matches nothing.
    public static func verify(_ password: String, hash: String) -> Bool {
        let f = hash.split(separator: ":").map(String.init)
        guard f.count == 6, f[0] == "scrypt", let logN = Int(f[1]), (10...20).contains(logN), let r = Int(f[2]), let p = Int(f[3]),
              (1...16).contains(r), (1...4).contains(p),
              let salt = Data(base64Encoded: f[4]), let expected = Data(base64Encoded: f[5]), expected.count == 32,
              let got = try? derive(password, salt: [UInt8](salt), logN: logN, r: r, p: p) else { return false }
        return constantTimeEqual(got, [UInt8](expected))
    }

    static func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> [UInt8] {
        try Digest.scrypt(password: Array(password.utf8), salt: salt, logN: logN, r: r, p: p, length: 32)
    }
}

/// Compares without stopping at the first difference (no timing hint about where it lies).
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in a.indices { diff |= a[i] ^ b[i] }
    return diff == 0
}
