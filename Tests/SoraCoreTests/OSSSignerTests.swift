import Foundation
import Testing
@testable import SoraCore

/// OSS V1/V4 vectors from upstream-protocols.md C.6 (SDK unit tests and oss2-derived values).
@Suite struct OSSSignerTests {
    static let akSk = OSSCredentials(accessKeyID: "ak", accessKeySecret: "sk")

    // MARK: V1

    static let v1Headers: [(String, String)] = [
        ("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw=="), ("Content-Type", "text/html"),
        ("x-oss-meta-author", "alice"), ("x-oss-meta-magic", "abracadabra"),
        ("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT"),
    ]
    /// Wed, 28 Dec 2022 10:27:41 GMT
    static let v1When = Date(timeIntervalSince1970: 1_672_223_261)

    static func authorization(_ headers: [(String, String)]) -> String? { headers.first { $0.0 == "Authorization" }?.1 }

    @Test func v1HeaderVector1() {
        let toSign = OSSV1Signer.stringToSign(method: "PUT", headers: Self.v1Headers, dateSlot: "Wed, 28 Dec 2022 10:27:41 GMT",
                                              bucket: "examplebucket", key: "nelson", query: [])
        #expect(toSign == "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson")
        let signed = OSSV1Signer(credentials: Self.akSk).signedHeaders(method: "PUT", bucket: "examplebucket", key: "nelson",
                                                                       query: [], headers: Self.v1Headers, date: Self.v1When)
        #expect(Self.authorization(signed) == "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=")
    }

    @Test func v1HeaderVector2SubResource() {
        let signed = OSSV1Signer(credentials: Self.akSk).signedHeaders(method: "PUT", bucket: "examplebucket", key: "nelson",
                                                                       query: [("acl", "")], headers: Self.v1Headers, date: Self.v1When)
        #expect(Self.authorization(signed) == "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=")
    }

    @Test func v1BucketVectors3And4DropUnknownParameters() {
        let signer = OSSV1Signer(credentials: Self.akSk)
        let headers = [("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT")]
        #expect(OSSV1Signer.canonicalResource(bucket: "examplebucket", key: "", query: [("resourceGroup", ""), ("non-resousce", "null")])
                == "/examplebucket/?resourceGroup")
        let s3 = signer.signedHeaders(method: "GET", bucket: "examplebucket", key: "",
                                      query: [("resourceGroup", ""), ("non-resousce", "null")], headers: headers, date: Self.v1When)
        #expect(Self.authorization(s3) == "OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=")
        let s4 = signer.signedHeaders(method: "GET", bucket: "examplebucket", key: "",
                                      query: [("resourceGroup", ""), ("acl", "")], headers: headers, date: Self.v1When)
        #expect(Self.authorization(s4) == "OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk=")
    }

    @Test func v1SignedURLVectors5And6() {
        let q5 = OSSV1Signer(credentials: Self.akSk).presignedQuery(method: "GET", bucket: "bucket", key: "key",
                                                                   query: [("versionId", "versionId")], expiresAt: 1_699_807_420)
        #expect(q5.last.map { SigningSupport.uriEncode($0.1) } == "dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D")
        #expect(q5.contains { $0 == ("OSSAccessKeyId", "ak") } && q5.contains { $0 == ("Expires", "1699807420") })
        let sts = OSSCredentials(accessKeyID: "ak", accessKeySecret: "sk", securityToken: "token")
        let q6 = OSSV1Signer(credentials: sts).presignedQuery(method: "GET", bucket: "bucket", key: "key+123",
                                                             query: [("versionId", "versionId")], expiresAt: 1_699_808_204)
        #expect(q6.last.map { SigningSupport.uriEncode($0.1) } == "jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D")
        #expect(q6.contains { $0 == ("security-token", "token") })
    }

    // Derived vectors 7–11 for this project's own requests.
    static let project = OSSCredentials(accessKeyID: "LTAI5tExampleAccessKeyId", accessKeySecret: "ExampleSecret0123456789abcdefXYZ")
    /// Tue, 25 Nov 2025 08:00:00 GMT
    static let projectWhen = Date(timeIntervalSince1970: 1_764_057_600)
    static let key = "videos/2025/11/job-42.mp4"

    static func projectSignature(_ method: String, _ query: [(String, String)], _ headers: [(String, String)]) -> String? {
        let signed = OSSV1Signer(credentials: project).signedHeaders(method: method, bucket: "examplebucket", key: key,
                                                                     query: query, headers: headers, date: projectWhen)
        return authorization(signed).map { String($0.dropFirst("OSS LTAI5tExampleAccessKeyId:".count)) }
    }

    @Test func v1ProjectVectors7To10() {
        #expect(Self.projectSignature("PUT", [], [("Content-Type", "video/mp4"), ("x-oss-object-acl", "public-read")])
                == "+SOou93XWLrt4mbJWRMQ4dr+nFw=")
        #expect(Self.projectSignature("POST", [("uploads", "")], [("Content-Type", "video/mp4")]) == "825n7McU5Zt3/8WsXaJdNK3SMHo=")
        #expect(Self.projectSignature("PUT", [("partNumber", "2"), ("uploadId", "0004B9895DBBB6EC98E36")], [])
                == "2XS9Y6mrok5ICLarY0BozyRj//c=")
        #expect(Self.projectSignature("POST", [("uploadId", "0004B9895DBBB6EC98E36")],
                                      [("Content-Type", "application/xml"), ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")])
                == "EG1P8kjIqpF+5WxdNozQyfwCIHA=")
    }

    @Test func v1ProjectSignedURLVector11() {
        let q = OSSV1Signer(credentials: Self.project).presignedQuery(method: "GET", bucket: "examplebucket", key: Self.key,
                                                                      expiresAt: 1_764_061_200)
        #expect(q.last.map { SigningSupport.uriEncode($0.1) } == "BivXUg7dX8aN7d%2BSVNBb33lP71g%3D")
    }

    // MARK: V4

    static let v4Query: [(String, String)] = [
        ("param1", "value1"), ("+param1", "value3"), ("|param1", "value4"), ("+param2", ""), ("|param2", ""), ("param2", ""),
    ]
    static let v4Headers: [(String, String)] = [
        ("x-oss-head1", "value"), ("abc", "value"), ("ZAbc", "value"), ("XYZ", "value"),
        ("content-type", "text/plain"), ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
    ]

    static func v4Authorization(_ creds: OSSCredentials, at unix: Int, additional: [String] = []) -> String? {
        let signed = OSSV4Signer(credentials: creds, region: "cn-hangzhou").signedHeaders(
            method: "PUT", bucket: "bucket", key: "1234+-/123/1.txt", query: v4Query, headers: v4Headers,
            additionalHeaders: additional, date: Date(timeIntervalSince1970: TimeInterval(unix)))
        return authorization(signed)
    }

    @Test func v4Vector12StepByStep() {
        let headers = Self.v4Headers + [("x-oss-date", "20231216T162057Z")]
        let canonical = OSSV4Signer.canonicalRequest(method: "PUT", bucket: "bucket", key: "1234+-/123/1.txt",
                                                     query: Self.v4Query, headers: headers, additionalHeaders: [])
        #expect(canonical == """
            PUT
            /bucket/1234%2B-/123/1.txt
            %2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2
            content-type:text/plain
            x-oss-content-sha256:UNSIGNED-PAYLOAD
            x-oss-date:20231216T162057Z
            x-oss-head1:value


            UNSIGNED-PAYLOAD
            """)
        #expect(SigningSupport.sha256Hex(canonical) == "f4613657f1b108998e8dbd10a1aa5da621dc2c6e02c9ddec0f163664848704c4")
        #expect(Hex.string(OSSV4Signer.signingKey(secret: "sk", dateStamp: "20231216", region: "cn-hangzhou"))
                == "b412a03b134ebddd720f5167b5de6db66620ebb3b01cff4d49e3ccb09f8de97f")
        #expect(Self.v4Authorization(Self.akSk, at: 1_702_743_657) ==
                "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe")
    }

    @Test func v4Vector13WithSecurityToken() {
        let sts = OSSCredentials(accessKeyID: "ak", accessKeySecret: "sk", securityToken: "token")
        #expect(Self.v4Authorization(sts, at: 1_702_784_856) ==
                "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea")
    }

    @Test func v4Vector14WithAdditionalHeaders() {
        #expect(Self.v4Authorization(Self.akSk, at: 1_702_747_512, additional: ["ZAbc", "abc"]) ==
                "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f")
    }

    static let presignHeaders: [(String, String)] = [
        ("x-oss-head1", "value"), ("abc", "value"), ("ZAbc", "value"), ("XYZ", "value"), ("content-type", "application/octet-stream"),
    ]

    static func presign(_ creds: OSSCredentials, at unix: Int, additional: [String] = []) -> [(String, String)] {
        OSSV4Signer(credentials: creds, region: "cn-hangzhou").presignedQuery(
            method: "PUT", bucket: "bucket", key: "1234+-/123/1.txt", query: v4Query, headers: presignHeaders,
            additionalHeaders: additional, expires: 599, date: Date(timeIntervalSince1970: TimeInterval(unix)))
    }

    @Test func v4SignedURLVector15() {
        let q = Self.presign(Self.akSk, at: 1_702_781_677)
        #expect(OSSV4Signer.canonicalQuery(Array(q.dropLast())) ==
                "%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T025437Z&x-oss-expires=599&x-oss-signature-version=OSS4-HMAC-SHA256")
        let canonical = OSSV4Signer.canonicalRequest(method: "PUT", bucket: "bucket", key: "1234+-/123/1.txt", query: Array(q.dropLast()),
                                                     headers: Self.presignHeaders, additionalHeaders: [])
        #expect(SigningSupport.sha256Hex(canonical) == "48814c11f278d51662015bf2f896b66ca10b6de0187ed8d952e341bbce0aa336")
        #expect(q.last?.0 == "x-oss-signature")
        #expect(q.last?.1 == "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe")
    }

    @Test func v4SignedURLVectors16And17() {
        let sts = OSSCredentials(accessKeyID: "ak", accessKeySecret: "sk", securityToken: "token")
        #expect(Self.presign(sts, at: 1_702_785_388).last?.1 == "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5")
        let q17 = Self.presign(Self.akSk, at: 1_702_783_809, additional: ["abc", "ZAbc"])
        #expect(q17.contains { $0 == ("x-oss-additional-headers", "abc;zabc") })
        #expect(q17.last?.1 == "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7")
    }
}
