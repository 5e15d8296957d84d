-- title: Bedrock guardrails or model invocation logging removed
-- severity: high
-- description: Bedrock guardrails deleted or updated (an update replaces the whole configuration,
--   so filters can be dropped or loosened: review what changed), model invocation logging
--   deleted, or set again with prompt and response text no longer delivered
--   (textDataDeliveryEnabled false). Failed calls are left out.
-- references: MITRE ATT&CK T1562.001, T1562.008
-- attack: T1562.001; T1562.008
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.guardrailIdentifier') AS guardrail,
       json_extract_scalar(requestparameters, '$.guardrailVersion') AS guardrail_version,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'bedrock.amazonaws.com'
  AND eventname IN ('DeleteGuardrail', 'UpdateGuardrail', 'DeleteModelInvocationLoggingConfiguration', 'PutModelInvocationLoggingConfiguration')
  AND errorcode IS NULL
  AND (eventname <> 'PutModelInvocationLoggingConfiguration'
    OR json_extract_scalar(requestparameters, '$.loggingConfig.textDataDeliveryEnabled') = 'false')
ORDER BY eventtime, eventid
