import COpenSSL

/// Hashes, HMACs and scrypt from OpenSSL's libcrypto, which libcurl loads into every process
/// anyway for TLS. (swift-crypto carried a second copy, BoringSSL: 1.7 MB of the binary and part
/// of each worker's memory; issue 9.)
public enum Digest {
    public enum Algorithm: Sendable {
        case md5, sha1, sha256

        var md: OpaquePointer {
            switch self {
            case .md5: EVP_md5()
            case .sha1: EVP_sha1()
            case .sha256: EVP_sha256()
            }
        }
    }

    /// The digest of `bytes`.
    public static func hash(_ algorithm: Algorithm, _ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &out, &length, algorithm.md, nil) }
        precondition(ok == 1, "EVP_Digest failed")  // only on allocation failure
        return Array(out.prefix(Int(length)))
    }

    /// HMAC of `message` under `key`.
    public static func hmac(_ algorithm: Algorithm, key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let done = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                HMAC(algorithm.md, k.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(k.count),
                     m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &out, &length)
            }
        }
        precondition(done != nil, "HMAC failed")
        return Array(out.prefix(Int(length)))
    }

    /// scrypt (RFC 7914) with N = 2^logN; throws when libcrypto refuses the parameters.
    public static func scrypt(password: [UInt8], salt: [UInt8], logN: Int, r: Int, p: Int, length: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        // 128·N·r bytes for V, plus the p blocks: the limit is set to what the parameters need.
        let memory = UInt64(128 * r) * (UInt64(1) << UInt64(logN)) + UInt64(128 * r * p) + (1 << 20)
        let ok = password.withUnsafeBytes { pw in
            salt.withUnsafeBytes { s in
                EVP_PBE_scrypt(pw.baseAddress?.assumingMemoryBound(to: CChar.self), pw.count,
                               s.baseAddress?.assumingMemoryBound(to: UInt8.self), s.count,
                               UInt64(1) << UInt64(logN), UInt64(r), UInt64(p), memory, &out, length)
            }
        }
        guard ok == 1 else { throw DigestError.refused("scrypt") }
        return out
    }

    /// A digest fed in pieces (files hashed through a fixed buffer).
    public final class Stream {
        private let ctx: OpaquePointer

        public init(_ algorithm: Algorithm) {
            guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex(ctx, algorithm.md, nil) == 1 else {
                preconditionFailure("EVP_DigestInit_ex failed")
            }
            self.ctx = ctx
        }

        deinit { EVP_MD_CTX_free(ctx) }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            precondition(EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
        }

        public func finish() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            precondition(EVP_DigestFinal_ex(ctx, &out, &length) == 1, "EVP_DigestFinal_ex failed")
            return Array(out.prefix(Int(length)))
        }
    }
}

public enum DigestError: Error, Equatable {
    case refused(String)
}
