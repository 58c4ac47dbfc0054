// The shapes of CloudFormation the plugin reads and writes, and the intrinsics it writes with.

/** An intrinsic function (`{ Ref: … }`, `{ 'Fn::Sub': … }`): resolved by CloudFormation. */
export type Intrinsic = { readonly [name: string]: unknown };

/** A template value: a literal string, or what an intrinsic resolves to. */
export type CfnValue = string | Intrinsic;

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: unknown;
  [attribute: string]: unknown;
}

export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  [section: string]: unknown;
}

export interface IamStatement {
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue[];
  Condition?: unknown;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `{ Ref: … }`, `{ 'Fn::…': … }`: one key, an intrinsic's name. */
export const isIntrinsic = (value: unknown): value is Intrinsic => {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && /^(Ref|Fn::[A-Za-z]+)$/.test(keys[0] ?? '');
};

export const getAtt = (logicalId: string, attribute: string): Intrinsic => ({
  'Fn::GetAtt': [logicalId, attribute],
});

export const sub = (text: string, variables?: Record<string, CfnValue>): Intrinsic => ({
  'Fn::Sub': variables === undefined ? text : [text, variables],
});

/** The `Fn::Sub` text of an ARN of this account and region: `arn:…:{service}:{region}:{account}:{rest}`. */
export const accountArn = (service: string, rest: string): string =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${rest}`;

/** An AWS managed policy's ARN, by its name (`service-role/…`). */
export const awsManagedPolicyArn = (name: string): Intrinsic =>
  sub(`arn:\${AWS::Partition}:iam::aws:policy/${name}`);

/** A value that CloudFormation takes as one item or a list (Action, Resource, DependsOn). */
export const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
