import Foundation
import Testing
@testable import SoraCore

@Suite struct StorageConfigTests {
    static let ossEnv: [String: String] = [
        "STORAGE": "oss", "OSS_ENDPOINT": "https://oss-cn-hangzhou.aliyuncs.com", "OSS_BUCKET": "examplebucket",
        "OSS_ACCESS_KEY_ID": "LTAI5tExampleAccessKeyId", "OSS_ACCESS_KEY_SECRET": "ExampleSecret0123456789abcdefXYZ",
    ]

    static func config(_ env: [String: String]) -> StorageConfig? {
        if case .success(let c) = StorageConfig.parse(env) { return c }
        return nil
    }

    static func problems(_ env: [String: String]) -> [String] {
        if case .failure(let e) = StorageConfig.parse(env) { return e.problems }
        return []
    }

    @Test func defaultsToLocal() {
        #expect(Self.config([:])?.backend == .local)
        #expect(Self.config(["STORAGE": "LOCAL"])?.backend == .local)
        #expect(Self.problems(["STORAGE": "ftp"]) == ["STORAGE must be local, oss or s3 (got \"ftp\")"])
    }

    @Test func ossDefaultsAndDerivedRegion() throws {
        let c = try #require(Self.config(Self.ossEnv))
        let oss = try #require(c.oss)
        #expect(oss.region == "cn-hangzhou")
        #expect(oss.signatureVersion == 4)
        #expect(oss.endpoint == StoreEndpoint("https://oss-cn-hangzhou.aliyuncs.com"))
        #expect(c.transfer.multipartThreshold == 64 << 20 && c.transfer.partSize == 16 << 20)
        #expect(!c.summary.contains("ExampleSecret"))
        #expect(c.summary.contains("oss bucket examplebucket"))
        #expect(StorageConfig.regionFromOSSHost("oss-eu-central-1-internal.aliyuncs.com") == "eu-central-1")
        #expect(StorageConfig.regionFromOSSHost("cdn.example.com") == nil)
    }

    @Test func everyMissingSettingIsNamedAndNoSecretIsShown() {
        let p = Self.problems(["STORAGE": "oss", "OSS_ENDPOINT": "files.example.com", "OSS_ACCESS_KEY_SECRET": "hunter2hunter2",
                               "OSS_PRIVATE": "maybe", "OSS_SIGNATURE_VERSION": "3"])
        #expect(p.contains("OSS_BUCKET is missing"))
        #expect(p.contains("OSS_ACCESS_KEY_ID is missing"))
        #expect(p.contains { $0.hasPrefix("OSS_PRIVATE must be true or false") })
        #expect(p.contains { $0.hasPrefix("OSS_SIGNATURE_VERSION must be 4 or 1") })
        #expect(!p.joined().contains("hunter2"))
        let noRegion = Self.problems(["STORAGE": "oss", "OSS_ENDPOINT": "https://files.example.com", "OSS_BUCKET": "b-1",
                                      "OSS_ACCESS_KEY_ID": "id", "OSS_ACCESS_KEY_SECRET": "s"])
        #expect(noRegion == ["OSS_REGION is missing (needed for signature V4; e.g. cn-hangzhou)"])
    }

    @Test func s3SettingsAndLimits() throws {
        var env = ["STORAGE": "s3", "S3_ENDPOINT": "http://127.0.0.1:9000", "S3_BUCKET": "videos",
                   "S3_ACCESS_KEY_ID": "minio", "S3_SECRET_ACCESS_KEY": "minio-secret"]
        let c = try #require(Self.config(env)?.s3)
        #expect(c.pathStyle) // IP endpoints can only be path style
        #expect(c.region == "us-east-1")
        env["STORAGE_PART_SIZE"] = "1M"
        #expect(Self.problems(env).first?.hasPrefix("STORAGE_PART_SIZE must be a size from 5 MiB") == true)
        env["STORAGE_PART_SIZE"] = "8MiB"
        env["S3_URL_TTL"] = "700000"
        #expect(Self.problems(env).first?.hasPrefix("S3_URL_TTL must be a whole number from 1 to 604800") == true)
        let aws = try #require(Self.config(["STORAGE": "s3", "S3_REGION": "eu-west-1", "S3_BUCKET": "videos",
                                            "S3_ACCESS_KEY_ID": "a", "S3_SECRET_ACCESS_KEY": "b"])?.s3)
        #expect(aws.endpoint.host == "s3.eu-west-1.amazonaws.com" && !aws.pathStyle)
        #expect(Self.problems(["STORAGE": "s3"]).contains("S3_ENDPOINT is missing (or set S3_REGION for AWS S3)"))
    }

    @Test func sizesAndEndpoints() {
        #expect(Settings.parseSize("64M") == 64 << 20)
        #expect(Settings.parseSize("100KiB") == 100 << 10)
        #expect(Settings.parseSize("1 GB") == 1 << 30)
        #expect(Settings.parseSize("12345") == 12345)
        #expect(Settings.parseSize("lots") == nil)
        #expect(StoreEndpoint("oss-cn-hangzhou.aliyuncs.com")?.scheme == "https")
        #expect(StoreEndpoint("http://localhost:9000")?.hostHeader() == "localhost:9000")
        #expect(StoreEndpoint("https://h.example.com:443")?.hostHeader() == "h.example.com")
        #expect(StoreEndpoint("ftp://x") == nil)
        #expect(StoreEndpoint("https://x/path") == nil)
        #expect(StoreEndpoint("http://127.0.0.1:1")?.isIPOrLocalhost == true)
        #expect(StoreEndpoint("https://oss-cn-hangzhou.aliyuncs.com")?.isIPOrLocalhost == false)
    }

    @Test func factoryThrowsTheProblems() {
        struct Dummy: VideoStore {
            var name: String { "local" }
            func store(file: String, key: String, contentType: String) throws -> StoredObject { StoredObject(key: key, url: "", size: 0) }
            func delete(key: String) throws {}
            func publicURL(key: String) -> String { "" }
        }
        #expect(throws: StorageConfigError.self) { try makeVideoStore(settings: ["STORAGE": "s3"], localFallback: Dummy()) }
        #expect((try? makeVideoStore(settings: [:], localFallback: Dummy()))?.name == "local")
        #expect((try? makeVideoStore(settings: Self.ossEnv, localFallback: Dummy()))?.name == "oss")
    }
}

@Suite struct StoreURLTests {
    static let when = Date(timeIntervalSince1970: 1_764_057_600) // Tue, 25 Nov 2025 08:00:00 GMT
    static let key = "videos/2025/11/25/sora-v2-portrait/job 42.mp4"

    static func oss(_ change: (inout OSSSettings) -> Void = { _ in }) -> OSSStore {
        var s = OSSSettings(endpoint: StoreEndpoint("https://oss-cn-hangzhou.aliyuncs.com")!, bucket: "examplebucket",
                            credentials: OSSCredentials(accessKeyID: "ak", accessKeySecret: "sk"), region: "cn-hangzhou")
        change(&s)
        return OSSStore(settings: s, clock: { when })
    }

    @Test func ossPublicURLs() {
        #expect(Self.oss().publicURL(key: Self.key) ==
                "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/videos/2025/11/25/sora-v2-portrait/job%2042.mp4")
        #expect(Self.oss { $0.publicBaseURL = "https://cdn.example.com/" }.publicURL(key: "a/b.mp4") == "https://cdn.example.com/a/b.mp4")
        #expect(Self.oss { $0.endpoint = StoreEndpoint("http://127.0.0.1:9000")! }.publicURL(key: "a.mp4")
                == "http://127.0.0.1:9000/examplebucket/a.mp4")
        #expect(Self.oss { $0.endpoint = StoreEndpoint("https://media.example.com")!; $0.cname = true }.publicURL(key: "a.mp4")
                == "https://media.example.com/a.mp4")
    }

    @Test func ossPrivateURLIsAFreshV4Link() {
        let url = Self.oss { $0.privateBucket = true; $0.urlTTL = 3600 }.publicURL(key: "a.mp4")
        let q = OSSV4Signer(credentials: OSSCredentials(accessKeyID: "ak", accessKeySecret: "sk"), region: "cn-hangzhou")
            .presignedQuery(method: "GET", bucket: "examplebucket", key: "a.mp4", expires: 3600, date: Self.when)
        #expect(url == "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/a.mp4?" + SigningSupport.queryString(q))
        #expect(url.contains("x-oss-date=20251125T080000Z&x-oss-expires=3600&x-oss-signature="))
        let v1 = Self.oss { $0.privateBucket = true; $0.urlTTL = 3600; $0.signatureVersion = 1 }.publicURL(key: "a.mp4")
        #expect(v1.contains("OSSAccessKeyId=ak&Expires=1764061200&Signature="))
    }

    @Test func s3URLs() {
        let settings = S3Settings(endpoint: StoreEndpoint("https://s3.us-east-1.amazonaws.com")!, bucket: "videos", region: "us-east-1",
                                  accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        #expect(S3Store(settings: settings).publicURL(key: "a b.mp4") == "https://videos.s3.us-east-1.amazonaws.com/a%20b.mp4")
        var path = settings
        path.endpoint = StoreEndpoint("http://localhost:9000")!
        path.pathStyle = true
        #expect(S3Store(settings: path).publicURL(key: "a.mp4") == "http://localhost:9000/videos/a.mp4")
        var priv = settings
        priv.privateBucket = true
        priv.urlTTL = 86_400
        let url = S3Store(settings: priv, clock: { Self.when }).publicURL(key: "a.mp4")
        #expect(url.hasPrefix("https://videos.s3.us-east-1.amazonaws.com/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20251125%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20251125T080000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="))
    }

    @Test func partSizeGrowsToFitTenThousandParts() {
        let client = Self.oss().client
        #expect(client.effectivePartSize(for: 1 << 30) == 16 << 20)
        let huge: Int64 = 400 << 30 // 400 GiB / 10,000 parts → 41 MiB parts
        let part = client.effectivePartSize(for: huge)
        #expect((huge + part - 1) / part <= 10_000)
        #expect(part % (1 << 20) == 0)
    }
}

@Suite struct RetryClassificationTests {
    static let client = StoreURLTests.oss().client
    static let put = StoreRequest(operation: "PutObject", method: "PUT", key: "a.mp4")

    static func outcome(_ status: Int, _ headers: [String: String] = [:], curl: Int32 = 0) -> HTTPOutcome {
        HTTPOutcome(head: status > 0 ? HTTPResponseHead(status: status, headers: headers) : nil, curlCode: curl,
                    errorMessage: curl == 0 ? "" : "Connection refused", abortedByCaller: false, bytesReceived: 0)
    }

    static func error(_ code: String) -> [UInt8] {
        Array("<?xml version=\"1.0\"?>\n<Error><Code>\(code)</Code><Message>m &amp; n</Message><RequestId>R1</RequestId></Error>".utf8)
    }

    @Test func transientAndPermanent() {
        if case .transient(let e, nil) = Self.client.classify(Self.put, outcome: Self.outcome(500), body: Self.error("InternalError"), attempt: 1) {
            #expect(e.kind == .unavailable && e.message == "m & n" && e.requestID == "R1")
        } else { Issue.record("500 should be transient") }
        if case .transient = Self.client.classify(Self.put, outcome: Self.outcome(429), body: [], attempt: 1) {} else { Issue.record("429") }
        if case .transient(let e, nil) = Self.client.classify(Self.put, outcome: Self.outcome(0, curl: 7), body: [], attempt: 2) {
            #expect(e.kind == .network && e.isTransient)
        } else { Issue.record("network errors are transient") }
        for code in ["SignatureDoesNotMatch", "InvalidAccessKeyId", "NoSuchBucket", "AccessDenied"] {
            if case .permanent(let e) = Self.client.classify(Self.put, outcome: Self.outcome(code == "NoSuchBucket" ? 404 : 403),
                                                             body: Self.error(code), attempt: 1) {
                #expect(e.code == code && !e.isTransient && e.description.contains(code))
            } else { Issue.record("\(code) should be permanent") }
        }
    }

    @Test func skewCarriesTheServerDate() {
        let verdict = Self.client.classify(Self.put, outcome: Self.outcome(403, ["date": "Tue, 25 Nov 2025 09:00:00 GMT"]),
                                           body: Self.error("RequestTimeTooSkewed"), attempt: 1)
        if case .transient(_, let date?) = verdict {
            #expect(date == Date(timeIntervalSince1970: 1_764_061_200))
        } else { Issue.record("skew should be transient with a server date") }
    }

    @Test func completeWithErrorBodyOn200IsAFailure() {
        let complete = StoreRequest(operation: "CompleteMultipartUpload", method: "POST", key: "a.mp4")
        if case .success = Self.client.classify(complete, outcome: Self.outcome(200), body: Self.error("InternalError"), attempt: 1) {
            Issue.record("a 200 carrying <Error> must not count as success")
        }
        let ok = Array("<CompleteMultipartUploadResult><ETag>\"X-2\"</ETag></CompleteMultipartUploadResult>".utf8)
        if case .success = Self.client.classify(complete, outcome: Self.outcome(200), body: ok, attempt: 1) {} else { Issue.record("ok") }
    }

    @Test func secretsAreScrubbedAndBackoffIsBounded() {
        #expect(Self.client.scrub("echo sk-secret sk") == "echo sk-secret sk") // too short to scrub safely
        let long = OSSStore(settings: OSSSettings(endpoint: StoreEndpoint("https://x.example.com")!, bucket: "bbb",
                                                  credentials: OSSCredentials(accessKeyID: "a", accessKeySecret: "S3cr3tValue"),
                                                  region: "r")).client
        #expect(long.scrub("bad S3cr3tValue here") == "bad [secret] here")
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 1, maxDelay: 8)
        for attempt in 1...10 {
            let d = policy.delay(afterAttempt: attempt)
            let cap = min(8, pow(2, Double(attempt - 1)))
            #expect(d >= cap / 2 && d <= cap)
        }
    }
}
