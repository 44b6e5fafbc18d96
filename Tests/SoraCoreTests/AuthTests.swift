import Foundation
import Testing
@testable import SoraCore

/// Admin sign-in (issue 8 §1): token, signed session cookie, cross-site refusal, throttled login.
@Suite struct AuthTests {
    let clock = TestClock()
    let spool: Spool
    let router: Router
    static let hash = try! PasswordHash.make("correct horse", logN: 10)
    static let token = "tok-0123456789abcdef"

    init() throws {
        spool = try tempSpool()
        let config = testConfig(spool, ["SORA_AUTH": "on", "SORA_ADMIN_PASSWORD_HASH": Self.hash, "SORA_ADMIN_TOKEN": Self.token])
        router = makeRouter(config, spool, clock: clock)
    }

    func call(_ method: String, _ path: String, _ headers: [String: String] = [:], body: String = "", client: String = "10.0.0.1") -> APIResponse {
        var h = ["host": "admin.example"]
        for (k, v) in headers { h[k] = v }
        return router.handle(APIRequest(method: method, path: path, contentType: "application/json", headers: h,
                                        remoteAddress: client, body: Array(body.utf8)))
    }
    func code(_ r: APIResponse) -> String? { JSONValue.parse(r.body)?.firstString("error.code") }
    func login(_ password: String, client: String = "10.0.0.1") -> APIResponse {
        call("POST", "/api/login", ["origin": "https://admin.example", "sec-fetch-site": "same-origin"],
             body: #"{"password":"\#(password)"}"#, client: client)
    }
    func cookie(_ r: APIResponse) -> String? {
        r.headers.first { $0.0 == "Set-Cookie" }.map { String($0.1.split(separator: ";")[0]) }
    }

    @Test func everyRouteButLoginAndAMinimalHealthNeedsSignIn() {
        for (m, p) in [("GET", "/api/models"), ("GET", "/api/jobs"), ("GET", "/api/session"), ("POST", "/api/generate"),
                       ("GET", "/api/status/01jz0000000000000000000000"), ("DELETE", "/api/jobs/01jz0000000000000000000000"),
                       ("POST", "/api/jobs/01jz0000000000000000000000/cancel"), ("GET", "/api/jobs/01jz0000000000000000000000/image/first")] {
            let r = call(m, p)
            #expect(r.status == 401 && code(r) == "unauthorized", "\(m) \(p)")
        }
        let health = call("GET", "/api/health")
        #expect(health.status == 200 && JSONValue.parse(health.body) == .object(["ok": .bool(true)]))
        #expect(call("GET", "/api/health", ["authorization": "Bearer \(Self.token)"]).body.count > 100)
    }

    @Test func theTokenOpensTheAPIAndAWrongOneDoesNot() {
        #expect(call("GET", "/api/models", ["authorization": "Bearer \(Self.token)"]).status == 200)
        #expect(call("GET", "/api/models", ["authorization": "Bearer \(Self.token)x"]).status == 401)
        #expect(call("GET", "/api/models", ["authorization": "Basic \(Self.token)"]).status == 401)
        // A token request is not a cookie request: no cross-site rule applies to it.
        #expect(call("POST", "/api/generate", ["authorization": "Bearer \(Self.token)", "sec-fetch-site": "cross-site"],
                     body: #"{"model":"seedance-2-0","prompt":"p"}"#).status == 202)
    }

    @Test func loginSetsAStrictHttpOnlyCookieThatExpires() throws {
        #expect(login("nope").status == 401)
        let ok = login("correct horse")
        #expect(ok.status == 200)
        let set = try #require(ok.headers.first { $0.0 == "Set-Cookie" }?.1)
        #expect(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/api/") && !set.contains("Secure"))
        let c = try #require(cookie(ok))
        #expect(call("GET", "/api/models", ["cookie": c]).status == 200)
        clock.advance(43_201)
        #expect(call("GET", "/api/models", ["cookie": c]).status == 401)
        let https = router.handle(APIRequest(method: "POST", path: "/sora/api/login", headers: ["host": "a"], isHTTPS: true,
                                             body: Array(#"{"password":"correct horse"}"#.utf8)))
        #expect(https.headers.contains { $0.0 == "Set-Cookie" && $0.1.contains("; Secure") && $0.1.contains("Path=/sora/api/") })
    }

    @Test func forgedOrTamperedCookiesAreRefused() throws {
        let c = try #require(cookie(login("correct horse")))
        let value = String(c.dropFirst("sora_session=".count))
        var parts = value.split(separator: ".").map(String.init)
        parts[1] = String(Int(parts[1])! + 86_400)  // a later expiry under the same MAC
        for bad in ["sora_session=" + parts.joined(separator: "."), "sora_session=v1.9999999999.00.00", "sora_session=", "other=\(value)"] {
            #expect(call("GET", "/api/models", ["cookie": bad]).status == 401, "\(bad)")
        }
    }

    @Test func aCookieSignedWithAnotherSessionKeyIsRefused() throws {
        // Another site with the same password but its own key (a spool of its own): its
        // cookie's MAC must not pass here.
        let other = try tempSpool()
        let otherRouter = makeRouter(testConfig(other, ["SORA_AUTH": "on", "SORA_ADMIN_PASSWORD_HASH": Self.hash]), other, clock: clock)
        let r = otherRouter.handle(APIRequest(method: "POST", path: "/api/login", contentType: "application/json",
                                              headers: ["host": "admin.example", "origin": "https://admin.example", "sec-fetch-site": "same-origin"],
                                              remoteAddress: "10.0.0.1", body: Array(#"{"password":"correct horse"}"#.utf8)))
        let foreign = try #require(cookie(r))
        #expect(otherRouter.handle(APIRequest(method: "GET", path: "/api/models", headers: ["host": "admin.example", "cookie": foreign])).status == 200)
        #expect(call("GET", "/api/models", ["cookie": foreign]).status == 401)
    }

    @Test func aStateChangingCookieRequestFromAnotherSiteIs403() throws {
        let c = try #require(cookie(login("correct horse")))
        let body = #"{"model":"seedance-2-0","prompt":"p"}"#
        #expect(code(call("POST", "/api/generate", ["cookie": c, "sec-fetch-site": "cross-site"], body: body)) == "cross_site")
        #expect(code(call("POST", "/api/generate", ["cookie": c, "sec-fetch-site": "same-site"], body: body)) == "cross_site")
        #expect(code(call("POST", "/api/generate", ["cookie": c, "origin": "https://evil.example"], body: body)) == "cross_site")
        #expect(code(call("POST", "/api/generate", ["cookie": c, "origin": "null"], body: body)) == "cross_site")
        #expect(code(call("POST", "/api/login", ["origin": "https://evil.example"], body: #"{"password":"correct horse"}"#)) == "cross_site")
        #expect(call("POST", "/api/generate", ["cookie": c, "origin": "https://admin.example", "sec-fetch-site": "same-origin"], body: body).status == 202)
        #expect(call("GET", "/api/jobs", ["cookie": c, "sec-fetch-site": "cross-site"]).status == 200)  // reads are harmless
    }

    @Test func failedLoginsAreThrottledPerClient() {
        for _ in 0..<LoginThrottle.freeFailures { #expect(login("wrong").status == 401) }
        let blocked = login("correct horse")
        #expect(blocked.status == 429 && code(blocked) == "too_many_attempts" && blocked.headers.contains { $0.0 == "Retry-After" })
        #expect(login("correct horse", client: "10.0.0.2").status == 200)  // another client is not affected
        clock.advance(31)
        #expect(login("correct horse").status == 200)
    }

    @Test func changingThePasswordSignsEveryoneOut() throws {
        let c = try #require(cookie(login("correct horse")))
        let other = makeRouter(testConfig(spool, ["SORA_AUTH": "on", "SORA_ADMIN_PASSWORD_HASH": try PasswordHash.make("new one", logN: 10)]), spool, clock: clock)
        #expect(other.handle(APIRequest(method: "GET", path: "/api/models", headers: ["cookie": c])).status == 401)
    }

    @Test func passwordHashesAreSlowAndSalted() throws {
        let a = try PasswordHash.make("pw", logN: 10), b = try PasswordHash.make("pw", logN: 10)
        #expect(a != b && a.hasPrefix("scrypt:10:8:1:"))
        #expect(PasswordHash.verify("pw", hash: a) && !PasswordHash.verify("pW", hash: a) && !PasswordHash.verify("pw", hash: "sha256:x"))
    }
}
