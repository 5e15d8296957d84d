-- title: Lambda function opened to everyone
-- severity: high
-- description: AddPermission granting the `*` principal with no source account, source ARN or
--   organization condition (anyone may invoke the function), and function URLs created or
--   changed with auth type NONE (anyone on the internet may call it): a way in that runs with
--   the function's role and survives revoked credentials. Calls that failed are left out.
-- references: MITRE ATT&CK T1098
-- attack: T1098
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.functionName') AS function_name,
       coalesce(json_extract_scalar(requestparameters, '$.authType'), json_extract_scalar(requestparameters, '$.functionUrlAuthType')) AS auth_type,
       json_extract_scalar(requestparameters, '$.action') AS action,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'lambda.amazonaws.com'
  AND errorcode IS NULL
  AND ((eventname LIKE 'AddPermission%'
        AND json_extract_scalar(requestparameters, '$.principal') = '*'
        AND json_extract_scalar(requestparameters, '$.sourceAccount') IS NULL
        AND json_extract_scalar(requestparameters, '$.sourceArn') IS NULL
        AND json_extract_scalar(requestparameters, '$.principalOrgID') IS NULL)
    OR ((eventname LIKE 'CreateFunctionUrlConfig%' OR eventname LIKE 'UpdateFunctionUrlConfig%')
        AND json_extract_scalar(requestparameters, '$.authType') = 'NONE'))
ORDER BY eventtime, eventid
