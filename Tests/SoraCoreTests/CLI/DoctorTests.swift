import Foundation
import Testing
@testable import SoraCore

/// `sora doctor`'s judgements that need no machine (issue 11 §4).
@Suite struct DoctorTests {
    static let www = Permissions.Identity(name: "www-data", uid: 33, gids: [33])
    static let sora = Permissions.Identity(name: "sora-fcgi", uid: 990, gids: [990])

    /// A file system of owners and modes.
    func fs(_ nodes: [String: (uid_t, gid_t, mode_t)]) -> Permissions {
        Permissions(stat: { path in nodes[path].map { Permissions.Node(uid: $0.0, gid: $0.1, mode: $0.2) } })
    }

    @Test func socketNeedsWriteForNginxAndSearchOnEveryFolder() {
        let dir = S_IFDIR, sock = S_IFSOCK
        var nodes: [String: (uid_t, gid_t, mode_t)] = ["/": (0, 0, dir | 0o755), "/run": (0, 0, dir | 0o755),
                                                      "/run/sora": (0, 0, dir | 0o755), "/run/sora/s.sock": (990, 33, sock | 0o660)]
        #expect(fs(nodes).denial("/run/sora/s.sock", for: Self.www, want: 2) == nil, "group www-data may write")
        nodes["/run/sora/s.sock"] = (990, 990, sock | 0o660)
        #expect(fs(nodes).denial("/run/sora/s.sock", for: Self.www, want: 2)?.contains("www-data cannot write to /run/sora/s.sock (0660") == true)
        nodes["/run/sora/s.sock"] = (990, 33, sock | 0o660)
        nodes["/run/sora"] = (990, 990, dir | 0o700)
        #expect(fs(nodes).denial("/run/sora/s.sock", for: Self.www, want: 2)?.hasPrefix("www-data cannot enter /run/sora") == true)
        #expect(fs(nodes).denial("/run/sora/none", for: Self.sora, want: 2) == "/run/sora/none is missing")
    }

    @Test func rootPassesModeBits() {
        let root = Permissions.Identity(name: "root", uid: 0, gids: [0])
        let p = fs(["/": (0, 0, S_IFDIR | 0o755), "/x": (990, 990, S_IFDIR | 0o700)])
        #expect(p.denial("/x", for: root, want: 3) == nil)
        #expect(p.denial("/x", for: Self.sora, want: 3) == nil && p.denial("/x", for: Self.www, want: 3) != nil)
    }

    @Test func gatewayProbesAreFreeGETsPerProtocol() {
        let config = testConfig(try! tempSpool(), ["SORA_BASE_URL": "https://gw.example/v1"])
        let targets = GatewayProbe.targets(config: config)
        let urls = targets.flatMap { GatewayProbe.requests(for: $0) }.map(\.url)
        #expect(urls.contains("https://gw.example/seedance/api/v3/contents/generations/tasks?page_num=1&page_size=1"))
        #expect(urls.contains("https://gw.example/wan/api/v1/tasks?page_no=1&page_size=1"))
        #expect(urls.contains("https://gw.example/v1/videos?limit=1") && urls.contains("https://gw.example/v1/models"))
        #expect(targets.flatMap { GatewayProbe.requests(for: $0) }.allSatisfy { $0.method == "GET" })
        let ark = targets.first { $0.protocol == .arkTasks }!
        #expect(ark.models.contains("seedance-2-0") && ark.models.contains("seedance-2-0-fast"))
        #expect(GatewayProbe.verdict(ark, url: "u", status: 200, error: "", seconds: 0.1).level == .ok)
        #expect(GatewayProbe.verdict(ark, url: "u", status: 401, error: "", seconds: 0.1).message.contains("SORA_API_KEY was refused"))
        #expect(GatewayProbe.verdict(ark, url: "u", status: nil, error: "Connection refused", seconds: 0).level == .fail)
        #expect(GatewayProbe.verdict(ark, url: "u", status: 429, error: "", seconds: 0).level == .warn)
        let tls = GatewayProbe.verdict(ark, url: "u", status: nil, error: "SSL certificate problem", seconds: 0, tlsFailed: true)
        #expect(tls.level == .fail && tls.fix?.contains("SORA_CA_FILE") == true)
    }

    @Test func clockSkewFromTheDateHeader() throws {
        let d = try #require(GatewayProbe.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT"))
        #expect(d.timeIntervalSince1970 == 784_111_777)
        #expect(GatewayProbe.parseHTTPDate("06 Nov 1994") == nil)
        let skew = try #require(GatewayProbe.skew(dateHeader: "Sun, 06 Nov 1994 08:49:37 GMT", now: d.addingTimeInterval(400.5)))
        #expect(skew == 400)
        #expect(GatewayProbe.skewFinding(skew, origin: "gw").level == .fail)
        #expect(GatewayProbe.skewFinding(-45, origin: "gw").message == "this host's clock is 45 s behind gw")
        #expect(GatewayProbe.skewFinding(3, origin: "gw").level == .ok)
    }

    @Test func nginxDumpFindsUserSocketsAndOurLocations() {
        let dump = NginxDump(text: """
            # configuration file /etc/nginx/nginx.conf:
            user www-data;
            http {
                # fastcgi_pass unix:/commented.sock;
                location /sora/api/ {
                    fastcgi_pass unix:/run/sora-fcgi-api/sora.sock;
                    location = /sora/api/generate { fastcgi_pass unix:/run/sora-fcgi-uploads/sora.sock; }
                }
                location ~ "^/sora/status/([0-9a-hjkmnp-tv-z]{26})\\.json$" {
                    alias /var/lib/sora-fcgi/spool/status/$1.json;
                }
                location /sora/media/ { alias /var/lib/sora-fcgi/media/; }
                fastcgi_pass unix:/run/sora-fcgi-api/sora.sock;
            }
            """)
        #expect(dump.user == "www-data")
        #expect(dump.sockets == ["/run/sora-fcgi-api/sora.sock", "/run/sora-fcgi-uploads/sora.sock"])
        #expect(dump.locations.contains(#"~ ^/sora/status/([0-9a-hjkmnp-tv-z]{26})\.json$"#))
        #expect(dump.hasLocation("/api/") && dump.hasLocation("/status/") && dump.hasLocation("/media/"))
        #expect(dump.aliases.contains("/var/lib/sora-fcgi/spool/status/$1.json"))
    }
}
