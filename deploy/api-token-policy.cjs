// CloudFormation resources merged into serverless.yml's `resources`: when the
// API token lives in SSM (OBSERVER_API_TOKEN_PARAM), a policy on the
// functions' role that may read that one parameter, and nothing else. With a
// customer-managed KMS key (OBSERVER_API_TOKEN_KMS_KEY_ARN) it may also
// decrypt with that key, only through SSM and only for that parameter. The
// default aws/ssm key needs no grant: its key policy lets any principal of
// the account that may read the parameter decrypt it through SSM.
const NAME = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/;

module.exports = () => {
  const name = process.env.OBSERVER_API_TOKEN_PARAM || '';
  const keyArn = process.env.OBSERVER_API_TOKEN_KMS_KEY_ARN || '';
  if (name === '') {
    if (keyArn !== '') {
      throw new Error('OBSERVER_API_TOKEN_KMS_KEY_ARN is set without OBSERVER_API_TOKEN_PARAM');
    }
    return {};
  }
  if (!NAME.test(name)) {
    throw new Error(
      'OBSERVER_API_TOKEN_PARAM must be an SSM parameter name such as /observer/api-token',
    );
  }
  if (keyArn !== '' && !KEY_ARN.test(keyArn)) {
    throw new Error('OBSERVER_API_TOKEN_KMS_KEY_ARN must be a KMS key ARN');
  }
  // The ARN of "/a/b" is ...:parameter/a/b, of "a" ...:parameter/a.
  const parameterArn = {
    'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}`,
  };
  const statements = [{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [parameterArn] }];
  if (keyArn !== '') {
    statements.push({
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: [keyArn],
      Condition: {
        StringEquals: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
          'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' },
          'kms:EncryptionContext:PARAMETER_ARN': parameterArn,
        },
      },
    });
  }
  return {
    Resources: {
      ApiTokenReadPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'observer-api-token-read',
          Roles: [{ Ref: 'IamRoleLambdaExecution' }],
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      },
    },
  };
};
