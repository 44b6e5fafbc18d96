import Testing
@testable import SoraCore

/// OpenSSL's digests, HMACs and scrypt against published vectors, and a password hash written by
/// the earlier build (swift-crypto's BoringSSL) so existing config files keep working.
@Suite struct DigestTests {
    func hex(_ b: [UInt8]) -> String { Hex.string(b) }

    @Test func digestsOfTheFIPSExamples() {
        #expect(hex(Digest.hash(.md5, [])) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(hex(Digest.hash(.sha1, Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(Digest.hash(.sha256, Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hmacsOfRFC4231AndTheWikipediaExample() {
        #expect(hex(Digest.hmac(.sha256, key: [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hex(Digest.hmac(.sha1, key: Array("key".utf8), Array("The quick brown fox jumps over the lazy dog".utf8)))
                == "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9")
        // An empty key is a key too (HMAC pads it), not a null pointer.
        #expect(Digest.hmac(.sha256, key: [], []).count == 32)
    }

    @Test func aStreamedDigestEqualsTheOneShotWhateverThePieces() {
        let bytes = (0..<(256 * 4099)).map { UInt8($0 & 0xff) }
        for piece in [1, 7, 4096, 1 << 20] {
            let s = Digest.Stream(.md5)
            var i = 0
            while i < bytes.count {
                let end = min(i + piece, bytes.count)
                bytes[i..<end].withUnsafeBytes { s.update($0) }
                i = end
            }
            #expect(hex(s.finish()) == "5904ba4cc89513dbed12b0d5933e8e3a")
        }
        #expect(hex(Digest.hash(.md5, bytes)) == "5904ba4cc89513dbed12b0d5933e8e3a")
    }

    @Test func scryptOfRFC7914() throws {
        #expect(hex(try Digest.scrypt(password: Array("password".utf8), salt: Array("NaCl".utf8), logN: 10, r: 8, p: 16, length: 64))
                == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")
        #expect(hex(try Digest.scrypt(password: Array("pleaseletmein".utf8), salt: Array("SodiumChloride".utf8), logN: 14, r: 8, p: 1, length: 64))
                == "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887")
    }

    @Test func aPasswordHashFromTheSwiftCryptoBuildStillVerifies() {
        let old = "scrypt:15:8:1:l3h1b6mWkznOuryJIvDUNA==:UveMvoLI3XTOB696NvzuDR/AKDblx9tqi/I9GIfHo/M="
        #expect(PasswordHash.verify("correct horse battery staple", hash: old))
        #expect(!PasswordHash.verify("correct horse battery stapler", hash: old))
    }
}
