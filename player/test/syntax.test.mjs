// The player files must run on old kiosk browsers and smart TVs: no syntax newer than ES2018
// (import.meta aside, which every browser with ES modules has), and none of the newer library
// calls that such browsers lack.
//
// The syntax check parses with @babel/parser, which ui/ already installs (through Vite's Solid
// plugin); it is skipped, saying so, when ui/node_modules is absent.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { test } from "node:test";

const FILES = ["../player.js", "../display.js"];

function loadParser() {
  try {
    return createRequire(new URL("../../ui/package.json", import.meta.url))("@babel/parser");
  } catch {
    return null;
  }
}

/** AST node types (and operators) that ES2018 does not have. */
const NEWER = {
  OptionalMemberExpression: "optional chaining (?.) is ES2020",
  OptionalCallExpression: "optional chaining (?.) is ES2020",
  ClassProperty: "class fields are ES2022",
  ClassPrivateProperty: "private class fields are ES2022",
  ClassPrivateMethod: "private methods are ES2022",
  ClassAccessorProperty: "accessor fields are newer than ES2022",
  PrivateName: "private names are ES2022",
  StaticBlock: "static blocks are ES2022",
  BigIntLiteral: "BigInt is ES2020",
  Import: "dynamic import() is ES2020",
  ImportExpression: "dynamic import() is ES2020",
};

function* walk(node) {
  if (!node || typeof node.type !== "string") return;
  yield node;
  for (const [key, value] of Object.entries(node)) {
    if (key === "loc" || key === "start" || key === "end" || key === "extra") continue;
    if (Array.isArray(value)) for (const v of value) yield* walk(v);
    else if (value && typeof value === "object") yield* walk(value);
  }
}

function problems(ast) {
  const out = [];
  for (const node of walk(ast.program)) {
    const where = `line ${node.loc.start.line}`;
    if (NEWER[node.type]) out.push(`${where}: ${NEWER[node.type]}`);
    if (node.type === "LogicalExpression" && node.operator === "??") out.push(`${where}: ?? is ES2020`);
    if (node.type === "AssignmentExpression" && ["??=", "||=", "&&="].includes(node.operator)) {
      out.push(`${where}: logical assignment is ES2021`);
    }
    if (node.type === "CatchClause" && node.param === null) out.push(`${where}: catch without a binding is ES2019`);
    if (node.type === "NumericLiteral" && node.extra?.raw?.includes("_")) out.push(`${where}: numeric separators are ES2021`);
    if (node.type === "MetaProperty" && !(node.meta.name === "import" && node.property.name === "meta")) {
      out.push(`${where}: ${node.meta.name}.${node.property.name}`);
    }
    if (node.type === "AwaitExpression" && !insideFunction(ast, node)) out.push(`${where}: top-level await is ES2022`);
  }
  return out;
}

function insideFunction(ast, target) {
  let found = false;
  const visit = (node, inFn) => {
    if (found || !node || typeof node.type !== "string") return;
    if (node === target) {
      found = inFn;
      return;
    }
    const fn = inFn || /Function|Method/.test(node.type);
    for (const [key, value] of Object.entries(node)) {
      if (key === "loc") continue;
      if (Array.isArray(value)) value.forEach((v) => visit(v, fn));
      else if (value && typeof value === "object") visit(value, fn);
    }
  };
  visit(ast.program, false);
  return found;
}

/** Library calls old browsers lack (checked as text; none of these names is ours). */
const NEWER_CALLS = [
  [/\bObject\.fromEntries\b/, "Object.fromEntries (ES2019)"],
  [/\.flat(Map)?\(/, "Array.prototype.flat/flatMap (ES2019)"],
  [/\.replaceAll\(/, "String.prototype.replaceAll (ES2021)"],
  [/\bPromise\.(allSettled|any)\b/, "Promise.allSettled/any (ES2020/2021)"],
  [/\.at\(-?\d/, "Array.prototype.at (ES2022)"],
  [/\bstructuredClone\b/, "structuredClone"],
  [/\.hasOwn\(/, "Object.hasOwn (ES2022)"],
  [/\breplaceChildren\b/, "Element.replaceChildren (2020)"],
];

for (const file of FILES) {
  test(`${file.slice(3)} uses no syntax newer than ES2018`, async (t) => {
    const parser = loadParser();
    if (!parser) {
      t.skip("@babel/parser not installed (run npm ci in ui/)");
      return;
    }
    const source = await readFile(new URL(file, import.meta.url), "utf8");
    const ast = parser.parse(source, { sourceType: "module", errorRecovery: false });
    assert.deepEqual(problems(ast), []);
  });

  test(`${file.slice(3)} calls no library function newer than its targets`, async () => {
    const source = await readFile(new URL(file, import.meta.url), "utf8");
    const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    const found = NEWER_CALLS.filter(([re]) => re.test(code)).map(([, what]) => what);
    assert.deepEqual(found, []);
  });
}

test("the syntax check itself catches newer syntax", (t) => {
  const parser = loadParser();
  if (!parser) {
    t.skip("@babel/parser not installed");
    return;
  }
  const bad = "class A { x = 1; #y; }\nconst a = b?.c ?? d;\ntry {} catch {}\nawait 1;\n";
  const found = problems(parser.parse(bad, { sourceType: "module" }));
  assert.equal(found.length, 7, found.join("\n"));
});
