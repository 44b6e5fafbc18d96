// Every string the page shows, per locale. Adding a locale is a data change: copy `zh`,
// translate the values, add it to LOCALES. `Tests/www/strings.test.mjs` checks that every
// locale has every key and the same {placeholders}, and that every key the code uses exists.

/** Locales offered in the language selector, in display order. */
export const LOCALES = [
  { id: 'zh', name: '中文', htmlLang: 'zh-CN' },
  { id: 'en', name: 'English', htmlLang: 'en' },
];

export const STRINGS = {
  zh: {
    'app.title': 'Sora 2 视频生成',
    'app.subtitle': '文生视频 / 图生视频 · 生成后自动转存',
    'app.skip': '跳到生成表单',
    'locale.label': '语言',
    'spend.today': '今日花费',
    'spend.unknown': '—',

    'banner.simulated': '模拟上游：未配置 SORA_API_KEY，当前视频由内置模拟器生成，仅供测试，不产生费用。',
    'banner.problems': '配置问题',
    'banner.healthFailed': '无法读取服务状态（/api/health）：{message}',

    'form.title': '生成视频',
    'model.legend': '模型',
    'model.loading': '正在加载模型…',
    'model.loadFailed': '模型列表加载失败：{message}',
    'model.retry': '重新加载',
    'model.retired': '已下线',
    'model.price': '{price}/次',
    'model.describe': '{orientation}，{width}×{height}，{duration}秒，{price}/次',
    'mode.legend': '模式',
    'mode.text': '文生视频',
    'mode.image': '图生视频',
    'mode.textHint': '只需要提示词',
    'mode.imageHint': '首帧图片 + 提示词',

    'upload.legend': '首帧图片',
    'upload.drop': '拖放图片到这里，或粘贴（Ctrl+V）',
    'upload.choose': '选择文件',
    'upload.hint': 'PNG / JPEG / WebP，不超过 10 MB',
    'upload.remove': '移除图片',
    'upload.preview': '首帧预览',
    'upload.urlLabel': '或填写图片 URL（如 OSS 链接）',
    'upload.reading': '正在读取图片…',

    'params.legend': '参数',
    'params.duration': '时长',
    'params.resolution': '分辨率',
    'params.price': '单价',
    'params.seconds': '{n} 秒',
    'params.note': 'ℹ️ Sora 2 模型时长由模型名控制（10s 或 15s），分辨率固定（竖屏 704×1280，横屏 1280×704）',
    'orientation.portrait': '竖屏',
    'orientation.landscape': '横屏',

    'prompt.label': '提示词',
    'prompt.placeholder': '描述你想要的画面、镜头运动和风格…',
    'prompt.counter': '{n} / {max}',
    'prompt.tip': '避免真实人物、名人、暴力和版权角色等内容，否则可能无法通过内容审核。',

    'cost.before': '本次费用 {price}（按次计费）',
    'submit.label': '生成视频',
    'submit.busy': '提交中…',
    'submit.ok': '已提交：{id}',
    'submit.replayed': '重复提交已合并为同一任务：{id}',

    'err.summary': '请先修正以下问题：',
    'err.modelRequired': '请选择模型',
    'err.modelRetired': '该模型已下线，请选择其他模型',
    'err.modeUnsupported': '所选模型不支持该模式',
    'err.promptEmpty': '请输入提示词',
    'err.promptTooLong': '提示词过长：{n} 字，最多 {max} 字',
    'err.firstFrameRequired': '请先上传首帧图片',
    'err.imageType': '只支持 PNG、JPEG 或 WebP 图片',
    'err.imageSize': '图片过大（{size}），最大 10 MB',
    'err.imageUrl': '图片 URL 必须是 https:// 开头的完整地址',
    'err.imageConflict': '上传图片与图片 URL 只能二选一',
    'err.imageRead': '无法读取这张图片',
    'err.network': '网络错误：无法连接服务器',
    'err.nonJson': '服务器返回了意外的响应（HTTP {status}）',
    'err.http413': '请求过大（HTTP 413）：图片太大，或服务器的上传限制过低',
    'err.http': '请求失败（HTTP {status}）',

    'api.unsupported_media_type': '请求格式错误（需要 JSON）',
    'api.invalid_json': '请求内容不是有效的 JSON',
    'api.unknown_model': '未知模型',
    'api.prompt_too_long': '提示词过长（最多 4000 字）',
    'api.duration_mismatch': '时长与模型不一致',
    'api.image_invalid': '图片数据无效',
    'api.invalid_id': '无效的任务 ID',
    'api.job_running': '任务仍在进行中，完成后才能删除',

    'jobs.title': '任务进度',
    'jobs.empty': '还没有进行中的任务。提交后这里会显示进度；刷新页面也会继续跟踪。',
    'status.queued': '排队中',
    'status.generating': '生成中',
    'status.transferring': '转存中',
    'status.succeeded': '已完成',
    'status.failed': '失败',
    'status.unknown': '未知',
    'job.elapsed': '已用时 {time}',
    'job.took': '用时 {time}',
    'job.progressLabel': '任务进度',
    'job.stageWaiting': '等待上游响应…',
    'job.dismiss': '移除卡片',
    'job.gone': '任务不存在（可能已被删除）',
    'job.pollError': '暂时无法获取进度，正在重试…',
    'job.model': '模型',
    'job.duration': '时长',
    'job.resolution': '分辨率',
    'job.prompt': '提示词',
    'job.actualPrompt': '实际提示词',
    'job.cost': '费用',
    'job.size': '大小',
    'job.created': '创建于',
    'job.id': '任务 ID',

    'result.download': '下载',
    'result.copy': '复制链接',
    'result.copied': '链接已复制',
    'result.copyFailed': '无法自动复制，请手动复制这个链接：',
    'result.noVideo': '视频文件不可用',

    'fail.title.moderation': '内容未通过审核',
    'fail.title.stream_cut': '生成在给出结果前中断',
    'fail.title.upstream': '上游接口报错',
    'fail.title.timeout': '生成超时',
    'fail.title.no_link': '没有拿到视频链接',
    'fail.title.transfer': '视频转存失败',
    'fail.title.config': '服务器配置问题',
    'fail.title.interrupted': '任务被中断',
    'fail.title.unknown': '生成失败',
    'fail.hint.moderation': '请修改提示词后重新生成：去掉真实人物/名人的名字、暴力、色情、血腥和版权角色等描述，用中性的场景、动作和风格来描述画面。',
    'fail.hint.stream_cut': '上游在返回视频前断开了连接，常见原因是内容审核，也可能是网络中断。建议调整提示词后重新生成。',
    'fail.hint.upstream': '这是网关返回的错误。请稍后重试；若持续出现，请检查 API 额度和密钥。',
    'fail.hint.timeout': '上游长时间没有完成。可以稍后在视频库查看，或重新生成。',
    'fail.hint.no_link': '生成结束了，但回复中没有视频链接。可以重新生成。',
    'fail.hint.transfer': '视频已经生成，只是保存到存储失败。在上游链接过期前可以「重试转存」，不会重新生成，也不会再次计费。',
    'fail.hint.config': '服务器缺少或配置错了必要设置（如 API Key 或存储），请联系管理员。',
    'fail.hint.interrupted': '处理任务的进程被中断（例如服务器重启）。同一个任务不会被重复扣费；如仍需要这个视频，请重新提交。',
    'fail.hint.unknown': '请稍后重试。',
    'fail.retryTransfer': '重试转存',
    'fail.retrying': '正在重试…',
    'fail.linkValidUntil': '上游链接有效至 {time}',
    'fail.detail': '技术细节',

    'library.title': '视频库',
    'library.search': '搜索提示词',
    'library.status': '状态',
    'library.model': '模型',
    'library.all': '全部',
    'library.refresh': '刷新',
    'library.loadMore': '加载更多',
    'library.loading': '加载中…',
    'library.empty': '没有符合条件的视频。',
    'library.loadFailed': '视频库加载失败：{message}',
    'library.count': '已显示 {n} 个',
    'library.countOf': '已显示 {n} / {total} 个',
    'library.open': '打开视频：{prompt}',
    'library.delete': '删除',
    'library.deleted': '已删除',
    'library.noThumb': '无预览',

    'dialog.close': '关闭',
    'confirm.deleteTitle': '删除这个视频？',
    'confirm.deleteBody': '任务和视频会从视频库中删除，无法恢复。',
    'confirm.cancel': '取消',
    'confirm.delete': '删除',
  },

  en: {
    'app.title': 'Sora 2 video generation',
    'app.subtitle': 'Text → video / image → video · stored automatically',
    'app.skip': 'Skip to the form',
    'locale.label': 'Language',
    'spend.today': 'Spent today',
    'spend.unknown': '—',

    'banner.simulated': 'Simulated upstream: SORA_API_KEY is not set, videos come from the built-in simulator — for testing only, nothing is charged.',
    'banner.problems': 'Configuration problems',
    'banner.healthFailed': 'Cannot read the service status (/api/health): {message}',

    'form.title': 'Generate a video',
    'model.legend': 'Model',
    'model.loading': 'Loading models…',
    'model.loadFailed': 'Could not load the models: {message}',
    'model.retry': 'Reload',
    'model.retired': 'Retired',
    'model.price': '{price} per video',
    'model.describe': '{orientation}, {width}×{height}, {duration} s, {price} per video',
    'mode.legend': 'Mode',
    'mode.text': 'Text → video',
    'mode.image': 'Image → video',
    'mode.textHint': 'A prompt is enough',
    'mode.imageHint': 'First frame + prompt',

    'upload.legend': 'First frame',
    'upload.drop': 'Drop an image here, or paste it (Ctrl+V)',
    'upload.choose': 'Choose a file',
    'upload.hint': 'PNG / JPEG / WebP, at most 10 MB',
    'upload.remove': 'Remove image',
    'upload.preview': 'First frame preview',
    'upload.urlLabel': 'Or an image URL (e.g. an OSS link)',
    'upload.reading': 'Reading the image…',

    'params.legend': 'Parameters',
    'params.duration': 'Duration',
    'params.resolution': 'Resolution',
    'params.price': 'Price',
    'params.seconds': '{n} s',
    'params.note': 'ℹ️ Sora 2: the duration is set by the model (10 s or 15 s), the resolution is fixed (portrait 704×1280, landscape 1280×704)',
    'orientation.portrait': 'Portrait',
    'orientation.landscape': 'Landscape',

    'prompt.label': 'Prompt',
    'prompt.placeholder': 'Describe the scene, camera movement and style…',
    'prompt.counter': '{n} / {max}',
    'prompt.tip': 'Avoid real people, celebrities, violence and copyrighted characters, or moderation may refuse it.',

    'cost.before': 'This video costs {price} (charged per video)',
    'submit.label': 'Generate',
    'submit.busy': 'Submitting…',
    'submit.ok': 'Submitted: {id}',
    'submit.replayed': 'Repeated submit joined the same job: {id}',

    'err.summary': 'Please fix the following first:',
    'err.modelRequired': 'Choose a model',
    'err.modelRetired': 'This model is retired, choose another one',
    'err.modeUnsupported': 'The chosen model does not support this mode',
    'err.promptEmpty': 'Enter a prompt',
    'err.promptTooLong': 'The prompt is too long: {n} characters, at most {max}',
    'err.firstFrameRequired': 'Upload a first frame first',
    'err.imageType': 'Only PNG, JPEG or WebP images',
    'err.imageSize': 'The image is too large ({size}), at most 10 MB',
    'err.imageUrl': 'The image URL must be a full https:// address',
    'err.imageConflict': 'Either upload an image or give a URL, not both',
    'err.imageRead': 'Cannot read this image',
    'err.network': 'Network error: cannot reach the server',
    'err.nonJson': 'The server gave an unexpected answer (HTTP {status})',
    'err.http413': 'Request too large (HTTP 413): the image is too big or the server limit too low',
    'err.http': 'Request failed (HTTP {status})',

    'api.unsupported_media_type': 'Bad request format (JSON expected)',
    'api.invalid_json': 'The request is not valid JSON',
    'api.unknown_model': 'Unknown model',
    'api.prompt_too_long': 'The prompt is too long (at most 4000 characters)',
    'api.duration_mismatch': 'The duration does not match the model',
    'api.image_invalid': 'The image data is invalid',
    'api.invalid_id': 'Invalid job id',
    'api.job_running': 'The job is still running; delete it when it has finished',

    'jobs.title': 'Progress',
    'jobs.empty': 'No running jobs. After you submit, progress shows here and survives a page reload.',
    'status.queued': 'Queued',
    'status.generating': 'Generating',
    'status.transferring': 'Storing',
    'status.succeeded': 'Done',
    'status.failed': 'Failed',
    'status.unknown': 'Unknown',
    'job.elapsed': 'Elapsed {time}',
    'job.took': 'Took {time}',
    'job.progressLabel': 'Job progress',
    'job.stageWaiting': 'Waiting for the upstream…',
    'job.dismiss': 'Remove card',
    'job.gone': 'No such job (perhaps deleted)',
    'job.pollError': 'Cannot read the progress right now, retrying…',
    'job.model': 'Model',
    'job.duration': 'Duration',
    'job.resolution': 'Resolution',
    'job.prompt': 'Prompt',
    'job.actualPrompt': 'Actual prompt',
    'job.cost': 'Cost',
    'job.size': 'Size',
    'job.created': 'Created',
    'job.id': 'Job id',

    'result.download': 'Download',
    'result.copy': 'Copy link',
    'result.copied': 'Link copied',
    'result.copyFailed': 'Could not copy automatically; copy this link by hand:',
    'result.noVideo': 'The video file is not available',

    'fail.title.moderation': 'Refused by content moderation',
    'fail.title.stream_cut': 'Cut off before a result',
    'fail.title.upstream': 'The upstream API reported an error',
    'fail.title.timeout': 'Timed out',
    'fail.title.no_link': 'No video link received',
    'fail.title.transfer': 'Storing the video failed',
    'fail.title.config': 'Server configuration problem',
    'fail.title.interrupted': 'The job was interrupted',
    'fail.title.unknown': 'Generation failed',
    'fail.hint.moderation': 'Rephrase the prompt and try again: drop names of real people or celebrities, violence, sexual or gory content and copyrighted characters; describe the scene, action and style neutrally.',
    'fail.hint.stream_cut': 'The upstream closed the stream before sending a video — usually moderation, sometimes a network drop. Adjust the prompt and generate again.',
    'fail.hint.upstream': 'This is the gateway’s own error. Try again later; if it persists, check the API quota and key.',
    'fail.hint.timeout': 'The upstream did not finish in time. Check the library later or generate again.',
    'fail.hint.no_link': 'The generation ended without a video link. Generate again.',
    'fail.hint.transfer': 'The video was generated, only storing it failed. While the upstream link is valid, “Retry transfer” stores it without generating or charging again.',
    'fail.hint.config': 'A required server setting (API key or storage) is missing or wrong; ask the administrator.',
    'fail.hint.interrupted': 'The process handling the job was interrupted (e.g. a server restart). The job is never charged twice; submit again if you still need the video.',
    'fail.hint.unknown': 'Try again later.',
    'fail.retryTransfer': 'Retry transfer',
    'fail.retrying': 'Retrying…',
    'fail.linkValidUntil': 'Upstream link valid until {time}',
    'fail.detail': 'Technical detail',

    'library.title': 'Library',
    'library.search': 'Search prompts',
    'library.status': 'Status',
    'library.model': 'Model',
    'library.all': 'All',
    'library.refresh': 'Refresh',
    'library.loadMore': 'Load more',
    'library.loading': 'Loading…',
    'library.empty': 'No videos match.',
    'library.loadFailed': 'Could not load the library: {message}',
    'library.count': '{n} shown',
    'library.countOf': '{n} of {total} shown',
    'library.open': 'Open video: {prompt}',
    'library.delete': 'Delete',
    'library.deleted': 'Deleted',
    'library.noThumb': 'No preview',

    'dialog.close': 'Close',
    'confirm.deleteTitle': 'Delete this video?',
    'confirm.deleteBody': 'The job and its video are removed from the library for good.',
    'confirm.cancel': 'Cancel',
    'confirm.delete': 'Delete',
  },
};

/** Tags the catalog uses in Chinese, shown translated in other locales. */
export const TAG_TRANSLATIONS = {
  en: { '竖屏': 'Portrait', '横屏': 'Landscape' },
};

let current = 'zh';

/** The locale to start with: a saved choice, else Chinese (the plan's language). */
export function pickLocale(saved) {
  return Object.hasOwn(STRINGS, saved ?? '') ? saved : 'zh';
}

export function setLocale(id) {
  if (Object.hasOwn(STRINGS, id ?? '')) current = id;
  return current;
}

export function getLocale() {
  return current;
}

/** The string `key` in the current locale with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const table = STRINGS[current] || STRINGS.zh;
  const template = table[key] ?? STRINGS.zh[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Whether `key` exists (used to map API error codes to a local message when there is one). */
export function hasString(key) {
  return key in STRINGS.zh;
}

/** A catalog tag in the current locale. */
export function translateTag(tag) {
  return TAG_TRANSLATIONS[current]?.[tag] ?? tag;
}
