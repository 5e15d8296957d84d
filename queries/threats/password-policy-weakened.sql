-- title: Account password policy deleted or below the bar
-- severity: medium
-- description: The IAM account password policy deleted, or set (UpdateAccountPasswordPolicy
--   replaces every setting: one left out takes AWS's default, 8 characters, no requirement) with a
--   minimum length under `min_length`, reuse prevention under `min_reuse`, or, when `complexity` is
--   true, without any of upper case, lower case, numbers or symbols required. Weaker passwords
--   make guessing IAM users' console passwords easier. Failed calls are left out.
-- references: CIS AWS Foundations 1.8, 1.9; MITRE ATT&CK T1556
-- attack: T1556
-- param: min_length int 14 | shortest acceptable minimum password length
-- param: min_reuse int 24 | fewest acceptable remembered passwords (passwordReusePrevention)
-- param: complexity bool true | also require upper and lower case letters, numbers and symbols
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.minimumPasswordLength') AS min_length,
       json_extract_scalar(requestparameters, '$.passwordReusePrevention') AS reuse_prevention,
       json_extract_scalar(requestparameters, '$.requireSymbols') AS symbols,
       json_extract_scalar(requestparameters, '$.requireNumbers') AS numbers,
       json_extract_scalar(requestparameters, '$.requireUppercaseCharacters') AS uppercase,
       json_extract_scalar(requestparameters, '$.requireLowercaseCharacters') AS lowercase,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com'
  AND eventname IN ('DeleteAccountPasswordPolicy', 'UpdateAccountPasswordPolicy')
  AND errorcode IS NULL
  AND (eventname = 'DeleteAccountPasswordPolicy'
    OR coalesce(TRY_CAST(json_extract_scalar(requestparameters, '$.minimumPasswordLength') AS BIGINT), 8) < $min_length
    OR coalesce(TRY_CAST(json_extract_scalar(requestparameters, '$.passwordReusePrevention') AS BIGINT), 0) < $min_reuse
    OR ($complexity AND NOT (coalesce(json_extract_scalar(requestparameters, '$.requireSymbols'), '') = 'true'
                             AND coalesce(json_extract_scalar(requestparameters, '$.requireNumbers'), '') = 'true'
                             AND coalesce(json_extract_scalar(requestparameters, '$.requireUppercaseCharacters'), '') = 'true'
                             AND coalesce(json_extract_scalar(requestparameters, '$.requireLowercaseCharacters'), '') = 'true')))
ORDER BY eventtime, eventid
