import type { CloudFormationTemplate } from './packaged-template.js';

// A packaged template's roles as IAM would hold them once deployed: the intrinsics in their
// policies resolved to ARNs in a made-up account and region (Ref, Fn::GetAtt, Fn::Sub, Fn::Join),
// and which role each Lambda function runs as. Only what roles and ARNs need is resolved; any
// other intrinsic is an error, so the IAM check never evaluates a policy it misread.

export const fakeAccount = {
  partition: 'aws',
  region: 'us-east-1',
  accountId: '123456789012',
  /** What `Ref` of an AWS::ApiGatewayV2::Api gives: its id. */
  apiId: 'a1b2c3d4e5',
} as const;

export interface PolicyDocument {
  Version?: string;
  Statement: Array<{
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
  }>;
}

export interface TemplateRole {
  logicalId: string;
  arn: string;
  policies: Array<{ name: string; document: PolicyDocument }>;
  /** AWS managed policies: their statements are not in the template, so not evaluated here. */
  managedPolicies: string[];
}

export interface TemplateRoles {
  /** Every role of the template with its inline and attached customer policies, by logical id. */
  roles: Record<string, TemplateRole>;
  /** The role each function runs as: function name (`{service}-{stage}-{key}`) to role logical id. */
  roleOfFunction: Record<string, string>;
  /** The ARN of a resource of the template (Fn::GetAtt Arn). */
  arnOf(logicalId: string): string;
  /** The name `Ref` gives for a resource of the template. */
  refOf(logicalId: string): string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export function templateRoles(template: CloudFormationTemplate): TemplateRoles {
  const { partition, region, accountId } = fakeAccount;
  const resourceOf = (logicalId: string) => {
    const resource = template.Resources[logicalId];
    if (!resource) throw new Error(`${logicalId} is not in the template`);
    return { type: resource.Type, properties: resource.Properties ?? {} };
  };

  const refOf = (name: string): string => {
    const pseudo: Record<string, string> = {
      'AWS::Partition': partition,
      'AWS::Region': region,
      'AWS::AccountId': accountId,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[name]) return pseudo[name];
    const { type, properties } = resourceOf(name);
    const named: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::CodeDeploy::Application': 'ApplicationName',
      'AWS::CodeDeploy::DeploymentGroup': 'DeploymentGroupName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::Events::Rule': 'Name',
    };
    if (type === 'AWS::ApiGatewayV2::Api') return fakeAccount.apiId;
    const property = named[type];
    if (!property) throw new Error(`Ref of ${name} (${type}) is not resolved here`);
    const value = properties[property];
    // CloudFormation names the resource when the template does not.
    return value === undefined ? `${name}-generated` : resolve(value);
  };

  const arnOf = (logicalId: string): string => {
    const { type } = resourceOf(logicalId);
    const name = refOf(logicalId);
    if (type === 'AWS::DynamoDB::Table')
      return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`;
    if (type === 'AWS::Lambda::Function')
      return `arn:${partition}:lambda:${region}:${accountId}:function:${name}`;
    if (type === 'AWS::IAM::Role') return `arn:${partition}:iam::${accountId}:role/${name}`;
    if (type === 'AWS::SQS::Queue') return `arn:${partition}:sqs:${region}:${accountId}:${name}`;
    if (type === 'AWS::Events::Rule')
      return `arn:${partition}:events:${region}:${accountId}:rule/${name}`;
    throw new Error(`Fn::GetAtt ${logicalId}.Arn (${type}) is not resolved here`);
  };

  const getAtt = (logicalId: string, attribute: string): string => {
    if (attribute !== 'Arn')
      throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not resolved`);
    return arnOf(logicalId);
  };

  function resolve(value: unknown): string {
    if (typeof value === 'string') return value;
    if (!isRecord(value)) throw new Error(`not a string: ${JSON.stringify(value)}`);
    if (typeof value.Ref === 'string') return refOf(value.Ref);
    const att = value['Fn::GetAtt'];
    if (Array.isArray(att)) return getAtt(String(att[0]), String(att[1]));
    if (typeof att === 'string') {
      const [logicalId = '', attribute = ''] = att.split('.');
      return getAtt(logicalId, attribute);
    }
    const join = value['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    const sub = value['Fn::Sub'];
    if (sub !== undefined) {
      const [text, variables] = (Array.isArray(sub) ? sub : [sub, {}]) as [
        string,
        Record<string, unknown>,
      ];
      return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
        if (name.startsWith('!')) return `\${${name.slice(1)}}`;
        if (variables[name] !== undefined) return resolve(variables[name]);
        const [logicalId = '', attribute] = name.split('.');
        return attribute ? getAtt(logicalId, attribute) : refOf(logicalId);
      });
    }
    throw new Error(`intrinsic not resolved here: ${JSON.stringify(value)}`);
  }

  const resolveDeep = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(resolveDeep)
      : isRecord(value) && Object.keys(value).some((key) => key === 'Ref' || key.startsWith('Fn::'))
        ? resolve(value)
        : isRecord(value)
          ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(item)]))
          : value;

  const roles: Record<string, TemplateRole> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const properties = resource.Properties ?? {};
    const inline = (properties.Policies ?? []) as Array<{
      PolicyName: unknown;
      PolicyDocument: unknown;
    }>;
    roles[logicalId] = {
      logicalId,
      arn: arnOf(logicalId),
      policies: inline.map((policy) => ({
        name: resolve(policy.PolicyName),
        document: resolveDeep(policy.PolicyDocument) as PolicyDocument,
      })),
      managedPolicies: ((properties.ManagedPolicyArns ?? []) as unknown[]).map(resolve),
    };
  }
  // Customer policies attached to roles by resources of their own.
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const properties = resource.Properties ?? {};
    for (const role of (properties.Roles ?? []) as unknown[]) {
      const roleId = isRecord(role) && typeof role.Ref === 'string' ? role.Ref : '';
      roles[roleId]?.policies.push({
        name: logicalId,
        document: resolveDeep(properties.PolicyDocument) as PolicyDocument,
      });
    }
  }

  const roleOfFunction: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const role = resource.Properties?.Role;
    const roleId = isRecord(role) && Array.isArray(role['Fn::GetAtt']) ? role['Fn::GetAtt'][0] : '';
    roleOfFunction[refOf(logicalId)] = String(roleId);
  }
  return { roles, roleOfFunction, arnOf, refOf };
}
