// CloudFormation resources merged into serverless.yml's `resources`: when the
// API token (OBSERVER_API_TOKEN_PARAM) or the API keys (OBSERVER_API_KEYS_PARAM)
// live in SSM, a policy on the functions' role that may read those
// parameters, and nothing else. A parameter encrypted with a customer-managed
// KMS key (OBSERVER_API_TOKEN_KMS_KEY_ARN, OBSERVER_API_KEYS_KMS_KEY_ARN) may
// also be decrypted with that key, only through SSM and only for that
// parameter. The default aws/ssm key needs no grant: its key policy lets any
// principal of the account that may read the parameter decrypt it through SSM.
const NAME = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/;

// Each parameter: the variable naming it, the variable naming its KMS key, an example name.
const PARAMETERS = [
  ['OBSERVER_API_TOKEN_PARAM', 'OBSERVER_API_TOKEN_KMS_KEY_ARN', '/observer/api-token'],
  ['OBSERVER_API_KEYS_PARAM', 'OBSERVER_API_KEYS_KMS_KEY_ARN', '/observer/api-keys'],
];

// The ARN of "/a/b" is ...:parameter/a/b, of "a" ...:parameter/a.
const parameterArn = (name) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}`,
});

/** The parameter a pair of variables names, checked, or undefined when it is not set. */
function parameter([nameVar, keyVar, example]) {
  const name = process.env[nameVar] || '';
  const keyArn = process.env[keyVar] || '';
  if (name === '') {
    if (keyArn !== '') throw new Error(`${keyVar} is set without ${nameVar}`);
    return undefined;
  }
  if (!NAME.test(name)) {
    throw new Error(`${nameVar} must be an SSM parameter name such as ${example}`);
  }
  if (keyArn !== '' && !KEY_ARN.test(keyArn)) throw new Error(`${keyVar} must be a KMS key ARN`);
  return { arn: parameterArn(name), keyArn };
}

function decrypt({ arn, keyArn }) {
  return {
    Effect: 'Allow',
    Action: ['kms:Decrypt'],
    Resource: [keyArn],
    Condition: {
      StringEquals: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
        'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' },
        'kms:EncryptionContext:PARAMETER_ARN': arn,
      },
    },
  };
}

module.exports = () => {
  const parameters = PARAMETERS.map(parameter).filter((p) => p !== undefined);
  if (parameters.length === 0) return {};
  const statements = [
    { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: parameters.map((p) => p.arn) },
    ...parameters.filter((p) => p.keyArn !== '').map(decrypt),
  ];
  return {
    Resources: {
      CredentialsReadPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'observer-credentials-read',
          Roles: [{ Ref: 'IamRoleLambdaExecution' }],
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      },
    },
  };
};
