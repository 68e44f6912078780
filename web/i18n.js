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
  version: ['版本', 'version'],
  validFrom: ['生效日期', 'valid from'],
  history: ['历史版本', 'history'],
  status: ['状态', 'status'],
  managedBy: ['管理单位', 'managed by'],
  responsible: ['负责单位', 'responsible'],
  enclave: ['飞地', 'enclave'],
  conflicts: ['重叠', 'conflicts'],
  noAnswer: ['无结果', 'no answer'],
  open: ['件未办结', 'open'],
  overdue: ['件超期', 'overdue'],
  noStats: ['本服务无隐患统计', 'no hazard statistics on this server'],
  managedHere: ['由管理单位负责：', 'handled by the managing unit: '],
  dataChanged: ['数据已更新 · 图块已刷新', 'data changed · tiles reloaded'],
  unreachable: ['无法连接服务器', 'cannot reach the server'],
  needToken: ['此服务需要令牌：请以 /?token=… 打开', 'this server needs a token: open the page as /?token=…'],
  catalogFailed: ['无法加载图层目录', 'cannot load the layer catalog'],
  mapError: ['地图错误', 'map error'],
  signedOut: ['未登录：电话等个人信息已隐藏', 'not signed in: phone numbers and other personal data are hidden'],
  // screen
  screenTitle: ['网格化服务管理指挥大屏', 'Grid governance command centre'],
  city: ['全市', 'whole city'],
  connecting: ['连接中', 'connecting'],
  live: ['实时', 'live'],
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
  mapNote: ['点击下级单元钻取 · 新上报在地图上闪烁', 'click a unit to drill down · new reports flash on the map'],
  reported: ['上报', 'reported'],
  closedOf: ['已结案', 'closed'],
  gridsPatrolled: ['网格', 'grids'],
  sev1: ['简易', 'minor'], sev2: ['一般', 'ordinary'], sev3: ['突出', 'serious'], sev4: ['重大', 'major'],
  evCreated: ['新上报', 'new report'], evUpdated: ['状态变更', 'step'], evMoved: ['改派', 'moved'],
  evEscalated: ['升级', 'escalated'], evOverdue: ['超期', 'overdue'], evUnit: ['边界变更', 'boundaries changed'],
  evEnclave: ['飞地变更', 'enclave changed'], evImport: ['导入完成', 'import finished'], evAudit: ['失管区域变化', 'gaps changed'],
};

const key = 'gridmap.lang';

/** lang is "zh" or "en". */
export function lang() {
  return localStorage.getItem(key) === 'en' ? 'en' : 'zh';
}

/** t returns the word for name in the chosen language. */
export function t(name) {
  const w = words[name];
  return w ? w[lang() === 'en' ? 1 : 0] : name;
}

/** setLang chooses a language and relabels the page. */
export function setLang(l) {
  localStorage.setItem(key, l);
  applyWords(document);
}

/** applyWords sets the text of every [data-i18n] element under root. */
export function applyWords(root) {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
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
