-- title: Lambda code or layers changed by an unusual principal
-- severity: medium
-- description: Function code updated, layers attached to a function, or a layer version
--   published, by a principal (a role by its ARN, not its session) that changed no function's
--   code or configuration and published no layer in the look-back before the period (--lookback,
--   30 days by default), or attaching a layer owned by another account than the function's: the
--   ways to plant code that runs with the function's role at each invocation. Layers of accounts
--   matching `trusted_layer_accounts` are not counted as foreign. Calls that failed are left out.
-- references: MITRE ATT&CK T1546, T1648
-- attack: T1546; T1648
-- param: trusted_layer_accounts string ^$ | regular expression on the account ids of layers attached on purpose (vendors' public layers)
WITH changes AS (
  SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
         coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS principal_arn,
         coalesce(json_extract_scalar(requestparameters, '$.functionName'), json_extract_scalar(requestparameters, '$.layerName')) AS target,
         json_get_array(requestparameters, 'layers') AS layers,
         sourceipaddress, account, region
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'lambda.amazonaws.com'
    AND (eventname LIKE 'UpdateFunctionCode%' OR eventname LIKE 'PublishLayerVersion%'
      OR (eventname LIKE 'UpdateFunctionConfiguration%' AND regexp_like(coalesce(requestparameters, ''), '"layers"\s*:\s*\[\s*"')))
    AND errorcode IS NULL
),
foreign_layers AS (
  SELECT eventid, array_agg(layer ORDER BY layer) AS foreign_layers
  FROM (SELECT eventid, account, json_get_str(unnest(layers)) AS layer FROM changes WHERE layers IS NOT NULL)
  WHERE arn_account(layer) <> account AND NOT regexp_like(arn_account(layer), $trusted_layer_accounts)
  GROUP BY eventid
),
deployers AS (
  SELECT DISTINCT coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS principal_arn
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $from
    AND eventsource = 'lambda.amazonaws.com'
    AND (eventname LIKE 'UpdateFunctionCode%' OR eventname LIKE 'PublishLayerVersion%' OR eventname LIKE 'UpdateFunctionConfiguration%')
    AND errorcode IS NULL
)
SELECT c.eventid, c.eventtime, c.eventname, c.principal, c.target,
       CASE WHEN f.eventid IS NOT NULL THEN 'layer of another account' ELSE 'principal new to Lambda changes' END AS why,
       f.foreign_layers, c.sourceipaddress, c.account, c.region
FROM changes c
LEFT JOIN foreign_layers f ON c.eventid = f.eventid
LEFT JOIN deployers d ON c.principal_arn = d.principal_arn
WHERE f.eventid IS NOT NULL OR d.principal_arn IS NULL
ORDER BY c.eventtime, c.eventid
