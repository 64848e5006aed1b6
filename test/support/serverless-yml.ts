// serverless.yml read as text: what tests check the code and the docs against.

/** The routes serverless.yml gives its functions: `POST /observer/event`, or `*` for the catch-all. */
export function declaredRoutes(yml: string): string[] {
  const lines = yml.split('\n');
  const indent = (line: string) => line.length - line.trimStart().length;
  const routes: string[] = [];
  lines.forEach((line, i) => {
    const inline = /^\s*- httpApi:\s*['"]?([^'"]+?)['"]?\s*$/.exec(line)?.[1];
    if (inline !== undefined) {
      routes.push(inline === '*' ? '*' : inline.replace(/^\w+/, (m) => m.toUpperCase()));
      return;
    }
    if (!/^\s*- httpApi:\s*$/.test(line)) return;
    let method = '';
    let path = '';
    for (let j = i + 1; j < lines.length && indent(lines[j] ?? '') > indent(line); j++) {
      method = /^\s*method:\s*['"]?(\w+)/.exec(lines[j] ?? '')?.[1]?.toUpperCase() ?? method;
      path = /^\s*path:\s*['"]?([^\s'"]+)/.exec(lines[j] ?? '')?.[1] ?? path;
    }
    routes.push(`${method} ${path}`);
  });
  return routes;
}
