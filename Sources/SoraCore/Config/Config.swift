import Foundation

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
    public var apiKey: String
    public var baseURL: String
    /// True when the upstream is the built-in simulator (`SORA_SIMULATED=1`); shown on the page.
    public var simulated: Bool
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

    /// The settings the worker is given when spawned: only what it needs, never request headers.
    public static let workerEnvironmentNames = ["SORA_CONFIG", "PATH", "LANG", "TZ", "HOME",
                                                "SSL_CERT_FILE", "SSL_CERT_DIR"]

    /// Loads configuration from `environment` (usually the process environment).
    public static func load(environment: [String: String]) -> Config {
        var settings = environment
        var problems: [ConfigProblem] = []
        if let path = environment["SORA_CONFIG"], !path.isEmpty {
            do {
                for (k, v) in try parseEnvFile(String(contentsOfFile: path, encoding: .utf8)) { settings[k] = v }
            } catch {
                problems.append(ConfigProblem(setting: "SORA_CONFIG", message: "cannot read config file \(path)"))
            }
        }
        func string(_ name: String, _ def: String) -> String {
            let v = settings[name]?.trimmingCharacters(in: .whitespaces) ?? ""
            return v.isEmpty ? def : v
        }
        func int(_ name: String, _ def: Int, min: Int = 0) -> Int {
            guard let raw = settings[name], !raw.isEmpty else { return def }
            guard let v = Int(raw.trimmingCharacters(in: .whitespaces)), v >= min else {
                problems.append(ConfigProblem(setting: name, message: "must be an integer ≥ \(min), got \"\(raw)\""))
                return def
            }
            return v
        }
        func bool(_ name: String) -> Bool { ["1", "true", "yes", "on"].contains(string(name, "").lowercased()) }

        let apiKey = string("SORA_API_KEY", "")
        let baseURL = string("SORA_BASE_URL", "https://api.apiyi.com/v1")
        if apiKey.isEmpty {
            problems.append(ConfigProblem(setting: "SORA_API_KEY", message: "not set: generations will fail with kind \"config\""))
        }
        if let u = URL(string: baseURL), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil {
        } else {
            problems.append(ConfigProblem(setting: "SORA_BASE_URL", message: "not an http(s) URL"))
        }
        let spool = string("SORA_SPOOL_DIR", "/var/lib/sora-fcgi/spool")
        let catalogPath = settings["SORA_CATALOG"].flatMap { $0.isEmpty ? nil : $0 }
        var catalog = ModelCatalog.standard
        if let path = catalogPath {
            do { catalog = try ModelCatalog.load(path: path) } catch {
                problems.append(ConfigProblem(setting: "SORA_CATALOG", message: "cannot load \(path): \(error.localizedDescription); using the built-in catalog"))
            }
        }
        var storage: StorageConfig?
        switch StorageConfig.parse(settings) {
        case .success(let s): storage = s
        case .failure(let e):
            for p in e.problems {
                let name = p.split(separator: " ").first.map(String.init) ?? "STORAGE"
                problems.append(ConfigProblem(setting: name, message: p))
            }
        }
        func double(_ name: String, _ def: Double?, min: Double = 0) -> Double? {
            guard let raw = settings[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return def }
            guard let v = Double(raw), v >= min, v.isFinite else {
                problems.append(ConfigProblem(setting: name, message: "must be a number ≥ \(min), got \"\(raw)\""))
                return def
            }
            return v
        }
        let selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? "sora"
        return Config(
            apiKey: apiKey, baseURL: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL,
            simulated: bool("SORA_SIMULATED"),
            spoolDir: spool,
            mediaDir: string("SORA_MEDIA_DIR", "/var/lib/sora-fcgi/media"),
            mediaURLPrefix: string("SORA_MEDIA_URL_PREFIX", "/media"),
            statusURLPrefix: string("SORA_STATUS_URL_PREFIX", "/status"),
            publicBaseURL: string("SORA_PUBLIC_BASE_URL", ""),
            catalogPath: catalogPath, catalog: catalog,
            maxWorkers: int("SORA_MAX_WORKERS", 4, min: 1),
            connectTimeout: int("SORA_CONNECT_TIMEOUT", 10, min: 1),
            generationTimeout: int("SORA_GENERATION_TIMEOUT", 600, min: 1),
            stallTimeout: int("SORA_STALL_TIMEOUT", 300, min: 1),
            downloadTimeout: int("SORA_DOWNLOAD_TIMEOUT", 60, min: 1),
            downloadAttempts: int("SORA_DOWNLOAD_ATTEMPTS", 3, min: 1),
            retryBaseDelay: Double(string("SORA_RETRY_BASE_DELAY", "2")) ?? 2,
            linkTTL: int("SORA_LINK_TTL", 86_400, min: 1),
            minVideoBytes: int("SORA_MIN_VIDEO_BYTES", 1024, min: 8),
            maxVideoBytes: Int64(int("SORA_MAX_VIDEO_BYTES", 4 << 30, min: 1024)),
            maxBodyBytes: int("SORA_MAX_BODY_BYTES", 16 << 20, min: 1024),
            maxImageBytes: int("SORA_MAX_IMAGE_BYTES", 10_000_000, min: 1024),
            maxPromptLength: int("SORA_MAX_PROMPT_LENGTH", 4000, min: 1),
            workerBinary: string("SORA_WORKER_BIN", selfPath),
            deleteMediaWithJob: bool("SORA_DELETE_MEDIA_WITH_JOB"),
            dailyBudgetUSD: double("SORA_DAILY_BUDGET_USD", nil),
            maxQueued: settings["SORA_MAX_QUEUED"].flatMap { $0.isEmpty ? nil : int("SORA_MAX_QUEUED", 0, min: 1) },
            pollInterval: double("SORA_POLL_INTERVAL", 5, min: 0.01) ?? 5,
            pollSlowInterval: double("SORA_POLL_SLOW_INTERVAL", 15, min: 0.01) ?? 15,
            pollFastWindow: double("SORA_POLL_FAST_WINDOW", 60) ?? 60,
            settings: settings, storage: storage, problems: problems)
    }

    /// Parses `KEY=value` lines; `#` comments, blank lines, optional `export `, and single or
    /// double quotes around the value are accepted.
    public static func parseEnvFile(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = String(value.dropFirst().dropLast())
            }
            if !key.isEmpty { out[key] = value }
        }
        return out
    }

    /// The spool, with what its feed needs to know.
    public var spool: Spool { Spool(root: spoolDir, dailyBudget: dailyBudgetUSD) }

    /// The key held by the setting `name` (a model's `api_key_env`), or "".
    public func apiKey(named name: String) -> String {
        name == "SORA_API_KEY" ? apiKey : (settings[name]?.trimmingCharacters(in: .whitespaces) ?? "")
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
