/// What a job starts from: a prompt alone, a first frame, or a first and a last frame.
public enum GenerationMode: String, Codable, Sendable, CaseIterable {
    case textToVideo = "text_to_video"
    case imageToVideo = "image_to_video"
    case firstLastFrame = "first_last_frame"
}

/// The wire protocol a model is driven through (docs/contract.md §2).
public enum UpstreamProtocolName: String, Codable, Sendable, CaseIterable {
    /// Streaming chat completions with the link in the text (the retired Sora 2 flavour).
    case chatStream = "chat_stream"
    /// `POST /videos` → poll `GET /videos/{id}` → `/videos/{id}/content`.
    case openaiVideos = "openai_videos"
    /// Volcengine Ark content-generation tasks (Seedance).
    case arkTasks = "ark_tasks"
    /// Alibaba DashScope video synthesis (Wan).
    case dashscopeTasks = "dashscope_tasks"

    /// Whether a task created upstream can be found again by its id (all but the chat stream).
    public var isTaskBased: Bool { self != .chatStream }
}
