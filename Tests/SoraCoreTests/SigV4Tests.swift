import Foundation
import Testing
@testable import SoraCore

/// AWS's published S3 examples (upstream-protocols.md D.4): exact signatures, not round trips.
@Suite struct SigV4Tests {
    static let signer = SigV4Signer(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
    static let host = "examplebucket.s3.amazonaws.com"
    /// 2013-05-24T00:00:00Z
    static let when = Date(timeIntervalSince1970: 1_369_353_600)

    static func authorization(_ headers: [(String, String)]) -> String {
        headers.first { $0.0 == "Authorization" }?.1 ?? ""
    }

    @Test func signingKeyForTheS3Examples() {
        let key = SigV4Signer.signingKey(secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", dateStamp: "20130524",
                                         region: "us-east-1", service: "s3")
        #expect(Hex.string(key) == "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378")
    }

    @Test func signingKeyDerivationExampleStepByStep() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        let kDate = SigningSupport.hmacSHA256(key: Array(("AWS4" + secret).utf8), "20120215")
        let kRegion = SigningSupport.hmacSHA256(key: kDate, "us-east-1")
        let kService = SigningSupport.hmacSHA256(key: kRegion, "iam")
        #expect(Hex.string(kDate) == "969fbb94feb542b71ede6f87fe4d5fa29c789342b0f407474670f0c2489e0a0d")
        #expect(Hex.string(kRegion) == "69daa0209cd9c5ff5c8ced464a696fd4252e981430b10e3d3fd8e2f197d7a70c")
        #expect(Hex.string(kService) == "f72cfd46f26bc4643f06a11eabb6c0ba18780c19a8da0c31ace671265e3c87fa")
        #expect(Hex.string(SigV4Signer.signingKey(secret: secret, dateStamp: "20120215", region: "us-east-1", service: "iam"))
                == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test func a1GetObjectWithRange() {
        let (canonical, signed) = SigV4Signer.canonicalRequest(
            method: "GET", path: "/test.txt", query: [],
            headers: [("Host", Self.host), ("Range", "bytes=0-9"),
                      ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash), ("x-amz-date", "20130524T000000Z")],
            payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(canonical == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signed == "host;range;x-amz-content-sha256;x-amz-date")
        #expect(Self.signer.stringToSign(canonicalRequest: canonical, time: UTCTimestamp(Self.when)) ==
                "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")

        let headers = Self.signer.signedHeaders(method: "GET", host: Self.host, path: "/test.txt", query: [],
                                                headers: [("Range", "bytes=0-9")],
                                                payloadHash: SigV4Signer.emptyPayloadHash, date: Self.when)
        #expect(Self.authorization(headers) ==
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.contains { $0 == ("x-amz-date", "20130524T000000Z") })
    }

    @Test func a2PutObjectWithDollarInKey() {
        let body = "Welcome to Amazon S3."
        let payload = SigningSupport.sha256Hex(body)
        #expect(payload == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        #expect(SigV4Signer.canonicalURI(path: "/test$file.text") == "/test%24file.text")
        let headers = Self.signer.signedHeaders(method: "PUT", host: Self.host, path: "/test$file.text", query: [],
                                                headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                                          ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                                                payloadHash: payload, date: Self.when)
        #expect(Self.authorization(headers).hasSuffix(
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"))
    }

    @Test func a3GetBucketLifecycleHasEmptyValue() {
        #expect(SigV4Signer.canonicalQuery([("lifecycle", "")]) == "lifecycle=")
        let headers = Self.signer.signedHeaders(method: "GET", host: Self.host, path: "/", query: [("lifecycle", "")],
                                                headers: [], payloadHash: SigV4Signer.emptyPayloadHash, date: Self.when)
        #expect(Self.authorization(headers).hasSuffix(
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"))
    }

    @Test func a4ListObjectsQueryIsSorted() {
        let headers = Self.signer.signedHeaders(method: "GET", host: Self.host, path: "/", query: [("prefix", "J"), ("max-keys", "2")],
                                                headers: [], payloadHash: SigV4Signer.emptyPayloadHash, date: Self.when)
        #expect(Self.authorization(headers).hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))
    }

    @Test func a5PresignedGet() {
        let q = Self.signer.presignedQuery(method: "GET", host: Self.host, path: "/test.txt", expires: 86_400, date: Self.when)
        let withoutSignature = Array(q.dropLast())
        #expect(SigV4Signer.canonicalQuery(withoutSignature) ==
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host")
        #expect(q.last?.0 == "X-Amz-Signature")
        #expect(q.last?.1 == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func uriEncodingFollowsRFC3986() {
        #expect(SigningSupport.uriEncode("a b+c/d~e_f.g-h*") == "a%20b%2Bc%2Fd~e_f.g-h%2A")
        #expect(SigningSupport.uriEncode("videos/2025/ü.mp4", keepSlash: true) == "videos/2025/%C3%BC.mp4")
        #expect(SigV4Signer.canonicalQuery([("b", "2"), ("a", "x y"), ("a", "1")]) == "a=1&a=x%20y&b=2")
    }

    @Test func timestampsPrintAndParse() {
        let t = UTCTimestamp(Date(timeIntervalSince1970: 1_764_057_600))
        #expect(t.rfc1123 == "Tue, 25 Nov 2025 08:00:00 GMT")
        #expect(UTCTimestamp(Date(timeIntervalSince1970: 1_702_743_657)).basicISO8601 == "20231216T162057Z")
        #expect(UTCTimestamp(Date(timeIntervalSince1970: 951_782_400)).dateStamp == "20000229")
        let parsed = UTCTimestamp.parseRFC1123("Tue, 25 Nov 2025 08:00:00 GMT")
        #expect(parsed.map { UTCTimestamp($0).rfc1123 } == "Tue, 25 Nov 2025 08:00:00 GMT")
        #expect(UTCTimestamp.parseRFC1123("yesterday") == nil)
    }
}
