import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A CloudFormation resource as `serverless package` writes it. */
export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
}

/** The template `serverless package` wrote to .serverless/. */
export function packagedTemplate(): { Resources: Record<string, Resource> } {
  return JSON.parse(
    readFileSync(resolve('.serverless/cloudformation-template-update-stack.json'), 'utf-8'),
  ) as { Resources: Record<string, Resource> };
}

/**
 * A template value as a string, with `Fn::Join` and `Fn::Sub` (without a
 * variable map) applied and every `Ref` written as `{Ref:Name}`, so a test
 * can compare a location or ARN with the keys the code writes.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const node = value as Record<string, unknown>;
  if ('Ref' in node) return `{Ref:${String(node.Ref)}}`;
  if ('Fn::GetAtt' in node) return `{GetAtt:${(node['Fn::GetAtt'] as string[]).join('.')}}`;
  if ('Fn::Join' in node) {
    const [sep, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  if ('Fn::Sub' in node) {
    const sub = node['Fn::Sub'];
    const [text, vars] = Array.isArray(sub)
      ? (sub as [string, Record<string, unknown>])
      : [String(sub), {}];
    return text
      .replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) =>
        name in vars ? render(vars[name]) : whole,
      )
      .replace(/\$\{!/g, '${');
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** The resources of one type, by logical id. */
export function resourcesOf(
  template: { Resources: Record<string, Resource> },
  type: string,
): Record<string, Resource> {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type === type));
}
