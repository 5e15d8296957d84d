-- title: Role passed to new compute by a principal that never passed it before
-- severity: medium
-- description: A principal (a role by its ARN, not its session) creating compute that runs with
--   a role it names, when it did not pass that role (or instance profile) in the look-back
--   before the period (--lookback, 30 days by default): Lambda CreateFunction, EC2 RunInstances
--   with an instance profile, CloudFormation CreateStack or UpdateStack with a service role, Glue
--   CreateDevEndpoint, CodeBuild CreateProject. Whoever controls the code gets the role's rights
--   (iam:PassRole privilege escalation). Calls that failed are left out.
-- references: MITRE ATT&CK T1548.005
-- attack: T1548.005
WITH passed AS (
  SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal,
         coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS principal_arn,
         coalesce(json_extract_scalar(requestparameters, '$.role'),
                  json_extract_scalar(requestparameters, '$.iamInstanceProfile.arn'),
                  json_extract_scalar(requestparameters, '$.iamInstanceProfile.name'),
                  json_extract_scalar(requestparameters, '$.roleARN'),
                  json_extract_scalar(requestparameters, '$.roleArn'),
                  json_extract_scalar(requestparameters, '$.serviceRole')) AS passed_role,
         account, region, sourceipaddress
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND eventsource IN ('lambda.amazonaws.com', 'ec2.amazonaws.com', 'cloudformation.amazonaws.com', 'glue.amazonaws.com', 'codebuild.amazonaws.com')
    AND ((eventsource = 'lambda.amazonaws.com' AND eventname LIKE 'CreateFunction%' AND eventname NOT LIKE 'CreateFunctionUrlConfig%')
      OR (eventsource = 'ec2.amazonaws.com' AND eventname = 'RunInstances')
      OR (eventsource = 'cloudformation.amazonaws.com' AND eventname IN ('CreateStack', 'UpdateStack'))
      OR (eventsource = 'glue.amazonaws.com' AND eventname = 'CreateDevEndpoint')
      OR (eventsource = 'codebuild.amazonaws.com' AND eventname = 'CreateProject'))
    AND errorcode IS NULL
),
recent AS (
  SELECT * FROM passed
  WHERE eventtime >= $from AND eventtime < $until AND passed_role IS NOT NULL
),
before AS (
  SELECT DISTINCT principal_arn, passed_role FROM passed
  WHERE eventtime < $from AND passed_role IS NOT NULL
)
SELECT r.eventid, r.eventtime, r.eventsource, r.eventname, r.principal, r.passed_role, r.sourceipaddress, r.account, r.region
FROM recent r
LEFT JOIN before b ON r.principal_arn = b.principal_arn AND r.passed_role = b.passed_role
WHERE b.principal_arn IS NULL
ORDER BY r.eventtime, r.eventid
