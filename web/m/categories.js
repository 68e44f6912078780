// The category code list (GET /v1/categories: the national 部件/事件
// classification, 大类/小类), kept on the phone for offline use, and a
// category's names in the app's language: the list names every type, class
// and subclass in Chinese and in English. A list kept by an older version
// (without English names), or a code it does not know, says what the
// caller had: the Chinese name, or the code.
import { getJSON } from './net.js';
import { kvGet, kvSet } from './store.js';
import { currentLang } from './i18n.js';

let list = [];
let byCode = new Map();
let policy = null; // per severity: its deadline and the finest level that handles it (null: not told)
let selfCheck = false; // whether whoever handled a case may verify and close it too (监管分离 when false)

function keep(categories) {
  list = Array.isArray(categories) ? categories : [];
  byCode = new Map(list.map((c) => [c.code, c]));
}

/** fetchCategories fetches the code list, or takes the copy kept for offline use. */
export async function fetchCategories() {
  try {
    const c = await getJSON('v1/categories');
    keep(c.categories);
    policy = Array.isArray(c.policy) ? c.policy : null;
    selfCheck = c.handler_may_verify === true;
    await kvSet('categories', list);
    await kvSet('policy', policy);
    await kvSet('selfCheck', selfCheck);
  } catch {
    keep(await kvGet('categories'));
    policy = (await kvGet('policy')) ?? null;
    selfCheck = (await kvGet('selfCheck')) === true;
  }
  return list;
}

/** LEVELS are the unit levels, finest first, as a resolver answer's chain has them. */
export const LEVELS = ['microgrid', 'grid', 'community', 'street', 'district'];

/**
 * handlerOf is the unit that will handle a report of severity sev at the
 * place of a resolver answer, as the server decides it: the finest unit of
 * the responsible chain at or above the level the severity is handled from
 * (突出 from the community, 重大 from the street, by default). It is
 * { level, code, name, from } when the severity raises the report above
 * the finest unit, else null (it goes to the unit the answer names), also
 * when the server did not say its policy.
 */
export function handlerOf(answer, sev) {
  const from = LEVELS.indexOf(policy?.find((p) => p.severity === sev)?.handled_from);
  if (!answer || from < 0) return null;
  const chain = LEVELS.map((level) => answer[level] && { level, ...answer[level] }).filter((u) => u?.code);
  if (chain.length === 0 || LEVELS.indexOf(chain[0].level) >= from) return null;
  const up = chain.find((u) => LEVELS.indexOf(u.level) >= from);
  return up ? { ...up, from: LEVELS[from] } : null;
}

/** handlerMayVerify tells whether the server lets whoever handled a case also verify and close it. */
export const handlerMayVerify = () => selfCheck;

/** categories is the code list, in its file's order. */
export const categories = () => list;

const en = () => currentLang() === 'en';

/** categoryName is a category's (subclass's) name in the app's language: 路灯, Street lamp. */
export const categoryName = (c) => (en() && c.name_en) || c.name;

/** className is the name of a category's class in the app's language: 公用设施, Public utilities. */
export const className = (c) => (en() && c.class_name_en) || c.class_name;

/** typeName is the name of a category's type in the app's language: 部件, Component. */
export const typeName = (c) => (en() && c.type_name_en) || c.type_name;

/**
 * nameOf is the name of the category of code in the app's language;
 * fallback (the name the server or the item gave, else the code) when the
 * list does not know the code.
 */
export function nameOf(code, fallback) {
  const c = byCode.get(code);
  return c ? categoryName(c) : (fallback ?? code);
}

/** fullNameOf is "部件/公用设施/路灯" (Component/Public utilities/Street lamp) for code, as nameOf. */
export function fullNameOf(code, fallback) {
  const c = byCode.get(code);
  return c ? `${typeName(c)}/${className(c)}/${categoryName(c)}` : (fallback ?? code);
}

/**
 * matches tells whether c is found by q (lower case): by its code or its
 * Chinese names, and in English by its English names as well.
 */
export function matches(c, q) {
  if (!q || c.code.toLowerCase().includes(q) || c.name.includes(q) || c.class_name.includes(q)) return true;
  return en() && [c.name_en, c.class_name_en].some((n) => n?.toLowerCase().includes(q));
}
