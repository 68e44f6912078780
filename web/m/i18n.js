// The app's words in Chinese (the default) and English. Category names are
// the national code list's own and stay Chinese; their codes show in both.
const words = {
  app: ['网格员', 'Grid worker'],
  'tab.home': ['地图', 'Map'],
  'tab.report': ['上报', 'Report'],
  'tab.cases': ['案件', 'Cases'],
  'tab.patrol': ['巡查', 'Patrol'],
  'tab.queue': ['待发', 'Outbox'],
  online: ['在线', 'online'],
  offline: ['离线', 'offline'],
  waiting: ['待发 {n}', '{n} waiting'],
  'signin.title': ['请先登录', 'Sign in'],
  'signin.help': ['用手机相机扫描管理员给您的二维码，即可打开本应用并登录。', 'Scan the QR code your administrator gave you with the phone\'s camera: it opens this app signed in.'],
  'signin.paste': ['或粘贴令牌：', 'Or paste the token:'],
  'signin.go': ['登录', 'Sign in'],
  'signin.bad': ['令牌无效或已过期', 'The token is unknown or expired'],
  'signin.out': ['退出登录', 'Sign out'],
  'where.title': ['此处由谁负责', 'Who is responsible here'],
  'where.locating': ['正在定位…', 'Finding your position…'],
  'where.denied': ['无法获取位置：请允许定位', 'No position: allow location access'],
  'where.accuracy': ['精度 ±{m} 米', 'accuracy ±{m} m'],
  'where.offline': ['离线：显示上次的结果', 'offline: the last answer'],
  'status.managed': ['网格管理', 'managed by a grid'],
  'status.enclave': ['飞地', 'enclave'],
  'status.unmanaged': ['失管区域（无网格）', 'unmanaged area (no grid)'],
  'status.outside': ['辖区外', 'outside every district'],
  'where.managedby': ['由 {name} 管理', 'managed by {name}'],
  'where.flag': ['请在上报中说明，街道将处理', 'say so in your report: the street will act'],
  'warn.left': ['您已离开本网格（{grid}）', 'You have left your grid ({grid})'],
  'report.title': ['上报隐患', 'Report a hazard'],
  'report.kind': ['类型', 'Kind'],
  'kind.hazard': ['安全隐患', 'hazard'],
  'kind.event': ['事件', 'event'],
  'report.category': ['分类', 'Category'],
  'report.search': ['搜索分类（名称或编码）', 'Search categories (name or code)'],
  'report.recent': ['最近使用', 'Recent'],
  'report.severity': ['紧急程度', 'Severity'],
  'sev.1': ['简易', 'minor'],
  'sev.2': ['一般', 'ordinary'],
  'sev.3': ['突出', 'serious'],
  'sev.4': ['重大', 'major'],
  'report.description': ['描述', 'Description'],
  'report.photos': ['照片', 'Photos'],
  'report.addphoto': ['拍照 / 选择照片', 'Take or choose a photo'],
  'report.point': ['位置（可拖动图钉）', 'Place (drag the pin)'],
  'report.send': ['提交', 'Submit'],
  'report.need': ['请选择分类', 'Choose a category'],
  'report.queued': ['已保存，待网络恢复后发送', 'Saved: it is sent when the network is back'],
  'report.sent': ['已上报', 'Reported'],
  'report.nofix': ['还没有位置：请等待定位或拖动图钉', 'No position yet: wait for a fix or drag the pin'],
  'report.answer': ['上报后将交给：', 'It will go to:'],
  'report.answeroffline': ['离线：服务器收到后再判断归属', 'offline: the server decides where it goes on arrival'],
  'cases.title': ['我的案件', 'My cases'],
  'cases.none': ['没有待办案件', 'No open cases'],
  'cases.refresh': ['刷新', 'Refresh'],
  'cases.offline': ['离线：显示上次获取的列表', 'offline: the list as last fetched'],
  'cases.history': ['办理过程', 'History'],
  'cases.due': ['期限 {t}', 'due {t}'],
  'cases.back': ['返回', 'Back'],
  'cases.handle': ['处置完毕（需处置后照片）', 'Handled (with an after-photo)'],
  'cases.return': ['回退', 'Return'],
  'cases.note': ['说明', 'Note'],
  'cases.needphoto': ['请拍摄处置后的照片', 'Take a photo of the fixed spot'],
  'cases.neednote': ['回退须说明原因', 'Say why you return it'],
  'cases.queued': ['已保存，待发送', 'Saved, waiting to be sent'],
  'cases.readonly': ['此案件由 {code} 办理，您可查看', 'handled by {code}: you may look'],
  'state.reported': ['待立案', 'reported'],
  'state.accepted': ['已立案', 'accepted'],
  'state.dispatched': ['已派遣', 'dispatched'],
  'state.handled': ['已处置', 'handled'],
  'state.verified': ['已核查', 'verified'],
  'state.closed': ['已结案', 'closed'],
  'state.rejected': ['不予立案', 'rejected'],
  'state.reopened': ['重新办理', 'reopened'],
  'patrol.title': ['巡查', 'Patrol'],
  'patrol.start': ['开始巡查', 'Start patrol'],
  'patrol.stop': ['结束巡查', 'Stop patrol'],
  'patrol.on': ['巡查中：保持屏幕常亮，轨迹分段发送', 'Patrolling: keep the screen on; the track is sent in chunks'],
  'patrol.fixes': ['已记录 {n} 个点，{km} 公里', '{n} fixes, {km} km'],
  'patrol.coverage': ['今日网格覆盖率', 'Grid covered today'],
  'patrol.nogrid': ['令牌未限定到网格', 'the token is not scoped to a grid'],
  'queue.title': ['待发送', 'Waiting to be sent'],
  'queue.empty': ['全部已发送', 'Everything is sent'],
  'queue.sync': ['立即发送', 'Send now'],
  'queue.discard': ['放弃', 'Discard'],
  'queue.failed': ['发送失败', 'refused'],
  'queue.sent': ['最近发送', 'Recently sent'],
  'item.photo': ['照片', 'photo'],
  'item.report': ['上报', 'report'],
  'item.transition': ['案件办理', 'case step'],
  'item.patrol': ['巡查轨迹', 'patrol track'],
  'action.report': ['上报', 'reported'],
  'action.accept': ['立案', 'accepted'],
  'action.reject': ['不予立案', 'rejected'],
  'action.dispatch': ['派遣', 'dispatched'],
  'action.return': ['回退', 'returned'],
  'action.handle': ['处置', 'handled'],
  'action.verify': ['核查', 'verified'],
  'action.close': ['结案', 'closed'],
  'action.reopen': ['重新办理', 'reopened'],
  'action.escalate': ['上报上级', 'escalated'],
  'action.reresolve': ['重新判定归属', 're-attributed'],
};

let lang = localStorage.getItem('gridmap.lang') === 'en' ? 'en' : 'zh';

/** The current language, "zh" or "en". */
export const currentLang = () => lang;

/** t returns the text of key in the current language, {name}s filled from vars. */
export function t(key, vars = {}) {
  const w = words[key];
  const s = w ? w[lang === 'en' ? 1 : 0] : key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : ''));
}

/** applyI18n sets the texts of the elements marked data-i18n (and data-i18n-ph: placeholders). */
export function applyI18n(root = document) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-ph]')) el.placeholder = t(el.dataset.i18nPh);
}

const listeners = new Set();
/** onLangChange calls fn after the language changed, to redraw what code wrote. */
export const onLangChange = (fn) => listeners.add(fn);

/** toggleLang switches between Chinese and English and remembers it. */
export function toggleLang() {
  lang = lang === 'en' ? 'zh' : 'en';
  localStorage.setItem('gridmap.lang', lang);
  applyI18n();
  listeners.forEach((fn) => fn());
}
