#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A configuration problem, reported at start and by `/api/health`. Never holds a secret value.
public struct ConfigProblem: Codable, Sendable, Equatable {
    public var setting: String
    public var message: String
    public init(setting: String, message: String) { self.setting = setting; self.message = message }
}

/// All settings, read once from the environment and the optional env-style file named by
/// `SORA_CONFIG` (file values win over the environment, so spawn-fcgi/systemd deployments can
/// keep the key out of nginx configs). Passed explicitly everywhere; no global state.
public struct Config: Sendable {
    /// The gateway key. Only the worker's request header ever sees it.
    public var apiKey: Secret
    public var baseURL: String
    /// True when the upstream is the built-in simulator (`SORA_SIMULATED=1`); shown on the page.
    public var simulated: Bool
    /// `SORA_CA_FILE`: a PEM bundle that TLS servers are verified against instead of the system's
    /// (a private CA, a TLS-inspecting proxy). Applied process-wide (`HTTPClient.trust`).
    public var caFile: String?
    public var spoolDir: String
    public var mediaDir: String
    /// URL prefix under which nginx serves `mediaDir` (`/media`).
    public var mediaURLPrefix: String
    /// URL prefix under which nginx serves the spool's status files (`/status`).
    public var statusURLPrefix: String
    /// Prepended to status and media URLs when absolute URLs are wanted (`https://example.com`).
    public var publicBaseURL: String
    public var catalogPath: String?
    public var catalog: ModelCatalog
    public var maxWorkers: Int
    public var connectTimeout: Int
    public var generationTimeout: Int
    /// Seconds to wait for the answer to a task create call; past it the outcome is unknown.
    public var createTimeout: Int
    public var stallTimeout: Int
    public var downloadTimeout: Int
    public var downloadAttempts: Int
    /// Seconds before retries 2, 3, … (doubled each time).
    public var retryBaseDelay: Double
    public var linkTTL: Int
    public var minVideoBytes: Int
    /// Downloads larger than this are refused (protects the spool's disk).
    public var maxVideoBytes: Int64
    public var maxBodyBytes: Int
    public var maxImageBytes: Int
    public var maxPromptLength: Int
    /// Path of the `sora` binary the responder spawns as `sora worker <id>`.
    public var workerBinary: String
    /// Delete the stored video too when a job is deleted from the library.
    public var deleteMediaWithJob: Bool
    /// Admin sign-in (on unless `SORA_AUTH=off`, for sites that put their own sign-in in front).
    public var auth: AuthSettings
    /// `SORA_DAILY_BUDGET_USD`: the most a UTC day may spend (nil: no cap).
    public var dailyBudgetUSD: Double?
    /// `SORA_MAX_QUEUED`: refuse new jobs while this many wait for a worker (nil: no limit).
    public var maxQueued: Int?
    /// Seconds between polls of a task: `pollInterval` during the first `pollFastWindow`
    /// seconds, then `pollSlowInterval` (video-task-apis.md §1.7: 5 s for a minute, then 15 s).
    public var pollInterval: Double
    public var pollSlowInterval: Double
    public var pollFastWindow: Double
    /// Every raw setting (environment + file), for the storage backends' own settings.
    public var settings: [String: String]
    /// The durable store's settings (`STORAGE`, `OSS_*`, `S3_*`); nil when they are invalid
    /// (the problems are then in `problems` and transfers fail with kind `config`).
    public var storage: StorageConfig?
    public var problems: [ConfigProblem]

    /// Secrets that came from the process environment rather than the config file. A worker gets
    /// them through a pipe on its stdin, never in its environment (docs: README "Secrets").
    public var environmentSecrets: [String: String]

    /// Whether a setting holds a secret: never printed, never passed in a worker's environment.
    public static func isSecret(_ name: String) -> Bool {
        let n = name.uppercased()
        return n.contains("SECRET") || n.contains("PASSWORD") || n.hasSuffix("_TOKEN") || n.hasSuffix("_KEY")
    }

    /// The settings the worker is given when spawned: only what it needs, never request headers.
    public static let workerEnvironmentNames = ["SORA_CONFIG", "PATH", "LANG", "TZ", "HOME",
                                                "SSL_CERT_FILE", "SSL_CERT_DIR"]

    /// Loads configuration from `environment` (usually the process environment) and the file
    /// named by `SORA_CONFIG`, through the one settings reader.
    public static func load(environment: [String: String]) -> Config {
        var r = Settings.load(environment: environment)
        let apiKey = r.secret("SORA_API_KEY") ?? Secret("")
        let baseURL = r.string("SORA_BASE_URL", default: "https://api.apiyi.com/v1")
        if apiKey.isEmpty {
            r.problem("SORA_API_KEY", "not set: generations will fail with kind \"config\"")
        }
        if URLOrigin(baseURL) == nil { r.problem("SORA_BASE_URL", "not an http(s) URL") }
        let caFile = r.value("SORA_CA_FILE")
        if let ca = caFile, access(ca, R_OK) != 0 {
            r.problem("SORA_CA_FILE", "cannot read \(ca): connections to TLS servers will fail before sending anything")
        }
        let catalogPath = r.value("SORA_CATALOG")
        var catalog = ModelCatalog.standard
        if let path = catalogPath {
            do { catalog = try ModelCatalog.load(path: path) } catch {
                r.problem("SORA_CATALOG", "cannot load \(path): \(error); using the built-in catalog")
            }
        }
        let storage = StorageConfig.parse(&r)
        let budget = r.number("SORA_DAILY_BUDGET_USD", default: nil, range: 0...1e9)
        let maxQueued = r.value("SORA_MAX_QUEUED") == nil ? nil : r.integer("SORA_MAX_QUEUED", default: 0, range: 1...1_000_000)
        let auth = AuthSettings(
            enabled: r.bool("SORA_AUTH", default: true),
            passwordHash: r.secret("SORA_ADMIN_PASSWORD_HASH"), password: r.secret("SORA_ADMIN_PASSWORD"),
            token: r.secret("SORA_ADMIN_TOKEN"), sessionKey: r.secret("SORA_SESSION_KEY"),
            sessionTTL: r.integer("SORA_SESSION_TTL", default: 43_200, range: 300...(30 * 86_400)))
        if let h = auth.passwordHash, !h.reveal().hasPrefix("scrypt:") {
            r.problem("SORA_ADMIN_PASSWORD_HASH", "not a hash written by `sora passwd`")
        }
        if let t = auth.token, t.reveal().count < 16 { r.problem("SORA_ADMIN_TOKEN", "too short: use at least 16 random characters") }
        if auth.enabled && auth.passwordHash == nil && auth.password == nil && auth.token == nil {
            r.problem("SORA_ADMIN_PASSWORD_HASH", "no admin credentials (run `sora passwd`, or set SORA_ADMIN_TOKEN): nobody can sign in")
        }
        let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? "sora"
        let big = 1_000_000_000
        let config = Config(
            apiKey: apiKey, baseURL: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL,
            simulated: r.bool("SORA_SIMULATED", default: false), caFile: caFile,
            spoolDir: r.string("SORA_SPOOL_DIR", default: "/var/lib/sora-fcgi/spool"),
            mediaDir: r.string("SORA_MEDIA_DIR", default: "/var/lib/sora-fcgi/media"),
            mediaURLPrefix: r.string("SORA_MEDIA_URL_PREFIX", default: "/media"),
            statusURLPrefix: r.string("SORA_STATUS_URL_PREFIX", default: "/status"),
            publicBaseURL: r.string("SORA_PUBLIC_BASE_URL", default: ""),
            catalogPath: catalogPath, catalog: catalog,
            maxWorkers: r.integer("SORA_MAX_WORKERS", default: 4, range: 1...1000),
            connectTimeout: r.integer("SORA_CONNECT_TIMEOUT", default: 10, range: 1...600),
            generationTimeout: r.integer("SORA_GENERATION_TIMEOUT", default: 600, range: 1...86_400),
            createTimeout: r.integer("SORA_CREATE_TIMEOUT", default: 60, range: 1...600),
            stallTimeout: r.integer("SORA_STALL_TIMEOUT", default: 300, range: 1...86_400),
            downloadTimeout: r.integer("SORA_DOWNLOAD_TIMEOUT", default: 60, range: 1...86_400),
            downloadAttempts: r.integer("SORA_DOWNLOAD_ATTEMPTS", default: 3, range: 1...20),
            retryBaseDelay: r.number("SORA_RETRY_BASE_DELAY", default: 2, range: 0...600) ?? 2,
            linkTTL: r.integer("SORA_LINK_TTL", default: 86_400, range: 1...30 * 86_400),
            minVideoBytes: r.integer("SORA_MIN_VIDEO_BYTES", default: 1024, range: 8...big),
            maxVideoBytes: r.size("SORA_MAX_VIDEO_BYTES", default: 4 << 30, range: 1024...(1 << 40)),
            maxBodyBytes: r.integer("SORA_MAX_BODY_BYTES", default: 16 << 20, range: 1024...(1 << 30)),
            maxImageBytes: r.integer("SORA_MAX_IMAGE_BYTES", default: 10_000_000, range: 1024...(1 << 30)),
            maxPromptLength: r.integer("SORA_MAX_PROMPT_LENGTH", default: 4000, range: 1...1_000_000),
            workerBinary: r.string("SORA_WORKER_BIN", default: selfPath),
            deleteMediaWithJob: r.bool("SORA_DELETE_MEDIA_WITH_JOB", default: false),
            auth: auth, dailyBudgetUSD: budget, maxQueued: maxQueued,
            pollInterval: r.number("SORA_POLL_INTERVAL", default: 5, range: 0.01...3600) ?? 5,
            pollSlowInterval: r.number("SORA_POLL_SLOW_INTERVAL", default: 15, range: 0.01...3600) ?? 15,
            pollFastWindow: r.number("SORA_POLL_FAST_WINDOW", default: 60, range: 0...86_400) ?? 60,
            settings: r.values, storage: storage, problems: r.problems,
            environmentSecrets: environment.filter { (k, v) in
                !r.fromFile.contains(k) && !v.isEmpty && (isSecret(k) || catalog.models.contains { $0.apiKeyEnv == k })
            })
        return config
    }

    /// Parses `KEY=value` lines (see `Settings.parseEnvFile`).
    public static func parseEnvFile(_ text: String) -> [String: String] { Settings.parseEnvFile(text) }

    /// The spool, with what its feed needs to know.
    public var spool: Spool { Spool(root: spoolDir, dailyBudget: dailyBudgetUSD) }

    /// The key held by the setting `name` (a model's `api_key_env`); empty when unset.
    public func apiKey(named name: String) -> Secret {
        name == "SORA_API_KEY" ? apiKey : Secret(settings[name]?.trimmed ?? "")
    }

    /// A model's absolute API root: its own `base_url`, a path on the origin of `SORA_BASE_URL`
    /// when it starts with `/`, or `SORA_BASE_URL` itself.
    public func baseURL(for model: VideoModel) -> String {
        guard let b = model.baseURL, !b.isEmpty else { return baseURL }
        let trimmed = b.hasSuffix("/") ? String(b.dropLast()) : b
        guard trimmed.hasPrefix("/") else { return trimmed }
        guard let u = URLComponents(string: baseURL), let scheme = u.scheme, let host = u.host else { return trimmed }
        return "\(scheme)://\(host)\(u.port.map { ":\($0)" } ?? "")\(trimmed)"
    }

    /// Status URL for a job, as the page polls it.
    public func statusURL(jobID: String) -> String { "\(publicBaseURL)\(statusURLPrefix)/\(jobID).json" }
}
