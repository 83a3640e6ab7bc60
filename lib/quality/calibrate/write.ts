/**
 * Writes a model as text with a `//` comment before each changed value: JSON with line
 * comments (read back by lib/model-source.ts) or a TypeScript/JavaScript module exporting
 * `model`. Short arrays (curves) stay on one line, so a reviewer's diff shows weights.
 */

/** Comment text by dotted path, e.g. `components.engagement.weight`. */
export type Comments = ReadonlyMap<string, string>;

const isScalarArray = (value: unknown[]) =>
  value.every(
    (v) =>
      v === null ||
      typeof v !== "object" ||
      (Array.isArray(v) && v.every((w) => w === null || typeof w !== "object")),
  );

function render(value: unknown, path: string, indent: string, comments: Comments): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (isScalarArray(value)) {
      const inline = `[${value.map((v) => (Array.isArray(v) ? `[${v.map((w) => JSON.stringify(w)).join(", ")}]` : JSON.stringify(v))).join(", ")}]`;
      if (inline.length <= 100) return inline;
    }
    const inner = `${indent}  `;
    const items = value.map((v, i) => `${inner}${render(v, `${path}.${i}`, inner, comments)}`);
    return `[\n${items.join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    const inner = `${indent}  `;
    const lines = entries.map(([key, v]) => {
      const childPath = path ? `${path}.${key}` : key;
      const comment = comments.get(childPath);
      const commentLines = comment
        ? comment
            .split("\n")
            .map((line) => `${inner}// ${line}\n`)
            .join("")
        : "";
      return `${commentLines}${inner}${JSON.stringify(key)}: ${render(v, childPath, inner, comments)}`;
    });
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The model's text for a file ending in `.json` (JSONC), `.ts`/`.mts` or `.js`/`.mjs`. */
export function modelText(
  model: unknown,
  comments: Comments,
  header: readonly string[],
  path: string,
): string {
  const body = render(model, "", "", comments);
  const top = header.map((line) => `// ${line}\n`).join("");
  if (/\.json$/.test(path)) return `${top}${body}\n`;
  return `${top}export const model = ${body};\n`;
}
