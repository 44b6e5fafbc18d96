#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The list of models an operator offers: the built-in one (`BuiltinCatalog`), or a JSON file
/// named by `SORA_CATALOG` that replaces it or, with `"include_builtin": true`, adds to it and
/// overrides built-in entries by id.
public struct ModelCatalog: Codable, Sendable, Equatable {
    public var models: [VideoModel]

    public init(models: [VideoModel]) { self.models = models }

    /// Looks up a model by our id.
    public func model(id: String) -> VideoModel? { models.first { $0.id == id } }

    struct File: Decodable {
        var models: [VideoModel]
        var includeBuiltin: Bool?
        enum CodingKeys: String, CodingKey { case models; case includeBuiltin = "include_builtin" }
    }

    /// Reads a catalog file: `{"models":[…]}` (optionally `"include_builtin": true`) or a bare array.
    public static func load(path: String) throws -> ModelCatalog {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        if let list = try? decoder.decode([VideoModel].self, from: data) { return ModelCatalog(models: list) }
        let file = try decoder.decode(File.self, from: data)
        guard file.includeBuiltin == true else { return ModelCatalog(models: file.models) }
        var models = BuiltinCatalog.catalog.models
        for m in file.models {
            if let i = models.firstIndex(where: { $0.id == m.id }) { models[i] = m } else { models.append(m) }
        }
        return ModelCatalog(models: models)
    }

    /// The compiled-in catalog.
    public static var standard: ModelCatalog { BuiltinCatalog.catalog }
}
