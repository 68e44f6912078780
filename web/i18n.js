// The pages' words, in Chinese (the default) and English. The choice is kept
// in the browser (localStorage) and switched by each page's 中/EN button.
const words = {
  // dashboard
  title: ['网格化服务管理', 'grid-based governance'],
  loading: ['加载中…', 'loading…'],
  ready: ['就绪 · 点击单元或任意位置查看归属', 'ready · click a unit or any point'],
  layers: ['图层', 'Layers'],
  legend: ['图例', 'Legend'],
  unit: ['单元', 'Unit'],
  whoAnswers: ['谁负责', 'Who answers here'],
  openHazards: ['未办结隐患', 'Open hazards'],
  code: ['编码', 'code'],
  households: ['户数', 'households'],
  gridWorker: ['网格员', 'grid worker'],
  phone: ['电话', 'phone'],
  population: ['人口', 'population'],
  version: ['版本', 'version'],
  validFrom: ['生效日期', 'valid from'],
  history: ['历史版本', 'history'],
  status: ['状态', 'status'],
  managedBy: ['管理单位', 'managed by'],
  responsible: ['负责单位', 'responsible'],
  // Punctuation between words: Chinese full-width, English half-width and spaced.
  colon: ['：', ': '], comma: ['，', ', '],
  enclave: ['飞地', 'enclave'],
  conflicts: ['重叠', 'conflicts'],
  noAnswer: ['无结果', 'no answer'],
  open: ['件未办结', 'open'],
  overdue: ['件超期', 'overdue'],
  noStats: ['本服务无隐患统计', 'no hazard statistics on this server'],
  statsForbidden: ['此令牌无权查看该单元的隐患统计', 'this token may not see this unit\'s hazards'],
  // The console's audit of a unit (audit.js).
  auditRun: ['校验下级边界', 'Check the boundaries under it'],
  auditRunning: ['正在校验…', 'checking…'],
  auditForbidden: ['此令牌无权校验该单元', 'this token may not audit this unit'],
  auditFailed: ['校验失败', 'the audit failed'],
  auditClean: ['未发现问题（{when}）', 'nothing wrong ({when})'],
  auditFound: ['发现 {n} 处问题：', '{n} problems: '],
  auditMore: ['另有 {n} 处见地图', '{n} more on the map'],
  listSep: ['，', ', '],
  'as.gaps': ['失管 {n} 处', '{n} gaps'], 'as.overlaps': ['重叠 {n} 处', '{n} overlaps'],
  'as.outside': ['超出上级 {n} 处', '{n} outside their parent'], 'as.orphans': ['上级缺失 {n} 处', '{n} orphans'],
  'af.gap': ['失管', 'gap'], 'af.overlap': ['重叠', 'overlap'], 'af.outside': ['超出上级', 'outside'],
  'af.orphan_unit': ['上级缺失', 'orphan'], 'af.orphan_enclave': ['管理单位缺失', 'orphan enclave'],
  'am.gap': ['{parent} 内 {area} 未被任何下级覆盖', '{area} of {parent} no child covers'],
  'am.overlap': ['{a} 与 {b} 重叠 {area}', '{a} and {b} overlap by {area}'],
  'am.outside': ['{a} 超出上级 {parent} {area}', '{a} sticks out of {parent} by {area}'],
  'am.orphan_unit': ['{a} 的上级不存在', 'the parent of {a} does not exist'],
  'am.orphan_enclave': ['飞地 {a} 的管理单位不存在', 'the managing unit of enclave {a} does not exist'],
  managedHere: ['由管理单位负责：', 'handled by the managing unit: '],
  dataChanged: ['数据已更新 · 图块已刷新', 'data changed · tiles reloaded'],
  unreachable: ['无法连接服务器', 'cannot reach the server'],
  needToken: ['此服务需要令牌：请以 /?token=… 打开', 'this server needs a token: open the page as /?token=…'],
  catalogFailed: ['无法加载图层目录', 'cannot load the layer catalog'],
  mapError: ['地图错误', 'map error'],
  signedOut: ['未登录：电话等个人信息已隐藏', 'not signed in: phone numbers and other personal data are hidden'],
  // Report points and patrol tracks as the server shows them without a token (tiles/filter.go: 0.002°).
  coarseNote: ['未登录：隐患位置取整到约 200 米的网格（0.002°），巡查轨迹按同一网格简化。输入令牌可查看准确位置。',
    'Not signed in: hazard positions are rounded to a grid of about 200 m (0.002°) and patrol tracks are simplified to it. A token shows them exact.'],
  coarseNoteScoped: ['{scope}以外的隐患位置取整到约 200 米的网格（0.002°），巡查轨迹按同一网格简化。',
    'Outside {scope}, hazard positions are rounded to a grid of about 200 m (0.002°) and patrol tracks are simplified to it.'],
  // A token the server refuses (refusal.js): which it is, the console's words (tok.*) and the screen's (scr.*).
  'tok.unknown': ['无法识别此令牌，请检查是否完整复制', 'The server does not know this token: check that it was copied whole'],
  'tok.revoked': ['令牌已被吊销，请向管理员申请新令牌', 'The token has been revoked: ask an administrator for a new one'],
  'tok.expired': ['令牌已于 {at}（北京时间）过期，请向管理员申请新令牌', 'The token expired on {at} (China time): ask an administrator for a new one'],
  'tok.expiredNow': ['令牌已过期，请向管理员申请新令牌', 'The token has expired: ask an administrator for a new one'],
  'scr.unknown': ['无法识别此大屏令牌：请检查是否完整复制，或联系管理员重新发放',
    'The server does not know this screen token: check that it was copied whole, or ask an administrator for a new one'],
  'scr.revoked': ['大屏令牌已被吊销：请联系管理员重新发放', 'This screen token has been revoked: ask an administrator for a new one'],
  'scr.expired': ['大屏令牌已于 {at}（北京时间）过期：请联系管理员重新发放', 'This screen token expired on {at} (China time): ask an administrator for a new one'],
  'scr.expiredNow': ['大屏令牌已过期：请联系管理员重新发放', 'This screen token has expired: ask an administrator for a new one'],
  tokenCleared: ['本页已将其清除，请输入新的令牌', 'This screen has forgotten it: enter a new one.'],
  // The unit panel (panel.js): its chain's links, its properties, a unit gone.
  chainPick: ['选择{name}：显示其信息并在地图上高亮', 'select {name}: show it here and highlight it on the map'],
  unitProps: ['属性', 'Attributes'],
  propsMore: ['另有 {n} 项属性', '{n} more attribute{s}'],
  showAll: ['展开全文', 'show all'],
  showLess: ['收起', 'show less'],
  yes: ['是', 'yes'],
  no: ['否', 'no'],
  reason: ['成因', 'reason'],
  area: ['面积', 'area'],
  unitGone: ['此单元已无现行版本（已停用，或已被合并、切分）', 'this unit has no current version (retired, merged or split)'],
  unitUnread: ['无法读取此单元的详情', 'cannot read this unit\'s details'],
  // screen
  screenTitle: ['网格化服务管理指挥大屏', 'Grid governance command centre'],
  city: ['全市', 'whole city'],
  connecting: ['连接中', 'connecting'],
  live: ['实时', 'live'],
  noSuchUnit: ['无此单元', 'no such unit'],
  noSuchUnitLong: ['单元 {code} 不存在', 'There is no unit {code}'],
  noSuchUnitHint: ['请检查地址中的单元编码（?unit=…）', 'Check the unit code in the address (?unit=…).'],
  loadFailed: ['加载失败', 'cannot load'],
  loadFailedLong: ['无法加载该单元的数据', 'The figures of this unit cannot be loaded'],
  showCity: ['查看全市', 'show the whole city'],
  showScope: ['查看本辖区', 'view my area'],
  outsideScope: ['辖区外', 'outside my area'],
  outsideScopeLong: ['单元 {code} 不在本令牌的辖区内', 'Unit {code} is outside this token\'s area'],
  outsideScopeHint: ['此大屏令牌只能查看本辖区及其下级单元', 'This screen\'s token shows its own area and the units in it.'],
  feedEmpty: ['暂无动态 · 新上报将在此实时显示', 'no events yet · new reports appear here as they happen'],
  feedRefused: ['未授权 · 大屏未接收实时动态', 'not authorised · this screen receives no live events'],
  feedStopped: ['未接收实时动态', 'not receiving live events'],
  tour: ['自动巡览', 'auto tour'],
  reportsToday: ['今日上报', 'reports today'],
  cases: ['件', 'cases'],
  openCases: ['未办结', 'open cases'],
  overdueNow: ['当前超期', 'overdue now'],
  onTime: ['按期办结率', 'closed on time'],
  unmanaged: ['失管区域', 'unmanaged areas'],
  patrolToday: ['今日巡查覆盖', 'patrol coverage today'],
  severity: ['未办结案件 · 按等级', 'open cases by severity'],
  trend: ['近30日上报与结案', 'reports and closures, 30 days'],
  byCategory: ['按类别（近30日）', 'by category (30 days)'],
  ranking: ['下级单元排名 · 未办结与超期', 'units by open and overdue cases'],
  feed: ['实时动态', 'live feed'],
  mapNote: ['点击下级单元钻取 · 点击案件查看详情 · 新上报在地图上闪烁', 'click a unit to drill down, a case to see it · new reports flash on the map'],
  // the map's legend (screen-legend.js): density cells below z14, case points from z14
  legendCells: ['未办结案件 · 每格', 'open cases per cell'], legendAllClosed: ['均已办结', 'all closed'], legendCases: ['案件', 'cases'],
  reported: ['上报', 'reported'],
  closedOf: ['已结案', 'closed'],
  // Patrol coverage is two measures: the share of the area walked (the
  // figure, so labelled) and how many grids were entered at all (the sub-line).
  patrolLabel: ['今日巡查面积覆盖', 'area patrolled today'],
  patrolSub: ['已巡网格 {n}/{of}', 'grids visited {n}/{of}'],
  patrolNoGrids: ['未划分网格', 'no grids here'],
  // the charts' empty states
  noCases30: ['暂无数据 · 近30日无案件', 'no data · no cases in 30 days'],
  noChildren: ['暂无数据 · 无下级单元', 'no data · no units below this one'],
  noChildCases: ['暂无数据 · 下级单元均无案件', 'no data · no cases in the units below'],
  dispatchedTo: ['→ {who}', '→ {who}'],
  sev1: ['简易', 'minor'], sev2: ['一般', 'ordinary'], sev3: ['突出', 'serious'], sev4: ['重大', 'major'],
  evCreated: ['新上报', 'new report'], evUpdated: ['状态变更', 'step'], evMoved: ['改派', 'moved'],
  evEscalated: ['升级', 'escalated'], evOverdue: ['超期', 'overdue'], evUnit: ['边界变更', 'boundaries changed'],
  evEnclave: ['飞地变更', 'enclave changed'], evImport: ['导入完成', 'import finished'], evAudit: ['失管区域变化', 'gaps changed'],
  // workflow steps in the screen's feed, named by the state they lead to, as the
  // grid workers' app (m/i18n.js) and the README name them: accepting a case is 立案
  'st.reported': ['上报', 'reported'], 'st.accepted': ['立案', 'accepted'], 'st.dispatched': ['派遣', 'dispatched'],
  'st.handled': ['处置', 'handled'], 'st.verified': ['核查', 'verified'], 'st.closed': ['结案', 'closed'],
  'st.rejected': ['不予立案', 'rejected'], 'st.reopened': ['重新办理', 'reopened'], stReturned: ['回退', 'returned'],
  // the screen when its token is refused (expired, revoked, missing, or not allowed this unit)
  authFailed: ['未授权', 'not authorised'],
  authFailedLong: ['授权已失效或无权查看：请联系管理员重新发放大屏令牌',
    'Access has expired or is not allowed: ask an administrator for a new screen token'],
  tokenRefused: ['此令牌被服务器拒绝（已过期、已吊销或无效），本页已将其清除', 'The server refuses this token (expired, revoked or invalid); this screen has forgotten it.'],
  tokenAsk: ['输入新的大屏令牌', 'a new screen token'], tokenUse: ['使用此令牌', 'use this token'],
  tokenMissing: ['此服务需要令牌：请以 /screen?token=… 打开', 'This server needs a token: open the screen as /screen?token=…'],
  tokenForbidden: ['此令牌无权查看该单元', 'This token may not see this unit.'],
  badUnitLong: ['单元编码 {code} 无效', '{code} is not a unit code'],
  loadFailedHint: ['请稍后重试；问题持续时请联系管理员', 'Try again later; if it persists, tell an administrator.'],
  reconnecting: ['重新连接中', 'reconnecting'],
  linkLost: ['连接已中断（自 {since} 起）· 数据可能不是最新 · 正在重连…',
    'Connection lost since {since} · figures may be out of date · reconnecting…'],
  linkBack: ['已重新连接 · 中断 {secs} 秒 · 数据已刷新', 'Reconnected after {secs} s · the figures are up to date again'],
  // the dashboard on a narrow screen
  panelOpen: ['打开侧栏', 'open the side panel'],
  panelClose: ['收起侧栏', 'close the side panel'],
  // the levels, as edit mode, imports, the screen's feed and its case card name them
  'level.district': ['区', 'district'],
  'level.street': ['街道', 'street'],
  'level.community': ['社区', 'community'],
  'level.grid': ['网格', 'grid'],
  'level.microgrid': ['微网格', 'micro-grid'],
};

const key = 'gridmap.lang';

/**
 * addWords adds a module's own words (name: [Chinese, English]) to those t
 * and applyWords read: a part of a page with many words keeps them beside
 * it (the big screen's case card: screen-case-words.js; the console's edit
 * mode and imports: edit-words.js). A name already here is not replaced.
 */
export function addWords(more) {
  for (const [name, w] of Object.entries(more)) words[name] ??= w;
}

/** lang is "zh" or "en". */
export function lang() {
  return localStorage.getItem(key) === 'en' ? 'en' : 'zh';
}

/** locale is the chosen language's, for dates and times: "zh-CN" or "en". */
export const locale = () => (lang() === 'en' ? 'en' : 'zh-CN');

/**
 * t returns the word for name in the chosen language, its {key}s filled
 * from vars. A count in vars gives its English plural ending too: {errorsS}
 * is "s" unless errors is 1, and {s} is n's ("1 unit", "3 units").
 */
export function t(name, vars = {}) {
  const w = words[name];
  const s = w ? w[lang() === 'en' ? 1 : 0] : name;
  const all = { ...vars };
  for (const [k, v] of Object.entries(vars)) if (typeof v === 'number') all[`${k}S`] = v === 1 ? '' : 's';
  if ('nS' in all && !('s' in all)) all.s = all.nS;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in all ? String(all[k]) : m));
}

/** setLang chooses a language and relabels the page. */
export function setLang(l) {
  localStorage.setItem(key, l);
  applyWords(document);
}

/**
 * applyWords sets the text of every [data-i18n] element under root (its
 * {key}s filled from the JSON of data-i18n-vars), the placeholder of every
 * [data-i18n-ph] and the title of every [data-i18n-title].
 */
export function applyWords(root) {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n, varsOf(e));
  for (const e of root.querySelectorAll('[data-i18n-ph]')) e.placeholder = t(e.dataset.i18nPh);
  for (const e of root.querySelectorAll('[data-i18n-title]')) e.title = t(e.dataset.i18nTitle);
}

const varsOf = (e) => (e.dataset.i18nVars ? JSON.parse(e.dataset.i18nVars) : {});

/**
 * said returns the attributes that make an element's text the word for name
 * (with vars) in whichever language is chosen later: el(tag, said(…), t(…)).
 */
export function said(name, vars) {
  return vars ? { 'data-i18n': name, 'data-i18n-vars': JSON.stringify(vars) } : { 'data-i18n': name };
}

/** langButton makes button switch languages; onChange runs after. */
export function langButton(button, onChange) {
  const label = () => { button.textContent = lang() === 'en' ? '中文' : 'EN'; };
  label();
  button.addEventListener('click', () => {
    setLang(lang() === 'en' ? 'zh' : 'en');
    label();
    onChange?.();
  });
}
