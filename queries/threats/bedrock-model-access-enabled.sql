-- title: Bedrock model access requested or enabled
-- severity: high
-- description: Access to a third-party foundation model asked for or granted: the use-case form
--   (PutUseCaseForModelAccess), a model's offer accepted (CreateFoundationModelAgreement) or its
--   entitlement set (PutFoundationModelEntitlement). Accounts enable a model once, by hand; stolen
--   credentials resold for LLM access (LLMjacking) do it first, then invoke the model. Refused
--   calls are reported with their error code.
-- references: MITRE ATT&CK T1496.004
-- attack: T1496.004
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.modelId') AS model_id,
       errorcode, sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'bedrock.amazonaws.com'
  AND eventname IN ('PutUseCaseForModelAccess', 'CreateFoundationModelAgreement', 'PutFoundationModelEntitlement')
ORDER BY eventtime, eventid
