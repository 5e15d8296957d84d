//! Cases for the threat detections of this group (see the module's queries in `queries/threats`):
//! initial access, persistence and privilege escalation.

use super::*;

/// This group's cases.
pub(super) fn all() -> Vec<QueryCases> {
    vec![
        console_login_new_ip(),
        root_access_key(),
        login_profile_other(),
        iam_user_created(),
        role_trust_opened(),
        lambda_code_changed(),
        lambda_public(),
        ssm_document_shared(),
        user_data_modified(),
        policy_default_version(),
        admin_policy_attached(),
        passrole_compute(),
        identity_center_changes(),
        key_pair_imported(),
        ssh_key_or_certificate(),
        mfa_removed(),
        cognito_unauthenticated(),
        privileged_group(),
        new_user_credentials(),
        instance_profile_swapped(),
        launch_template_modified(),
        sagemaker_lifecycle(),
    ]
}

/// A call by alice with these request parameters.
fn req(id: &str, time: &str, source: &str, name: &str, params: Value) -> Value {
    set(call(id, time, source, name), "requestParameters", params)
}

/// The same call made by someone else.
fn by(v: Value, identity: Value) -> Value {
    set(v, "userIdentity", identity)
}

/// The same call refused with `code`.
fn refused(v: Value, code: &str) -> Value {
    with(
        v,
        json!({"errorCode": code, "errorMessage": "User is not authorized to perform this operation"}),
    )
}

/// An IAM policy document as the JSON text IAM calls carry.
fn policy(statements: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn console_login_new_ip() -> QueryCases {
    let erin = || role_session("AWSReservedSSO_Admin_0123", "erin@example.com");
    cases(
        "console-login-from-new-ip",
        vec![
            console_login(
                "baseline-bob-office",
                "2024-08-20T09:00:00Z",
                user("bob"),
                true,
                "Yes",
                "198.51.100.20",
            ),
            console_login(
                "baseline-dave-home",
                "2024-08-21T09:00:00Z",
                user("dave"),
                true,
                "Yes",
                "192.0.2.44",
            ),
            console_login(
                "baseline-bob-failed",
                "2024-08-22T09:00:00Z",
                user("bob"),
                false,
                "No",
                "203.0.113.9",
            ),
            console_login(
                "baseline-erin-sso",
                "2024-08-23T09:00:00Z",
                erin(),
                true,
                "No",
                "198.51.100.40",
            ),
            console_login(
                "bob-usual-ip",
                &t(2, 9, 0, 0),
                user("bob"),
                true,
                "Yes",
                "198.51.100.20",
            ),
            console_login(
                "bob-new-ip",
                &t(2, 22, 0, 0),
                user("bob"),
                true,
                "No",
                "203.0.113.77",
            ),
            // Only a failed sign-in came from there before.
            console_login(
                "bob-ip-failed-before",
                &t(3, 9, 0, 0),
                user("bob"),
                true,
                "Yes",
                "203.0.113.9",
            ),
            // Dave's address, new for bob.
            console_login(
                "bob-ip-of-dave",
                &t(3, 10, 0, 0),
                user("bob"),
                true,
                "Yes",
                "192.0.2.44",
            ),
            console_login(
                "bob-new-ip-failed",
                &t(4, 9, 0, 0),
                user("bob"),
                false,
                "No",
                "203.0.113.78",
            ),
            // Carol never signed in before: every address would be new.
            console_login(
                "carol-first-login",
                &t(2, 9, 5, 0),
                user("carol"),
                true,
                "Yes",
                "203.0.113.80",
            ),
            console_login(
                "erin-sso-new-ip",
                &t(5, 9, 0, 0),
                erin(),
                true,
                "No",
                "203.0.113.90",
            ),
            console_login(
                "erin-sso-usual-ip",
                &t(5, 10, 0, 0),
                erin(),
                true,
                "No",
                "198.51.100.40",
            ),
        ],
        &[
            "bob-new-ip",
            "bob-ip-failed-before",
            "bob-ip-of-dave",
            "erin-sso-new-ip",
        ],
        &[
            "baseline-bob-office",
            "baseline-dave-home",
            "baseline-bob-failed",
            "baseline-erin-sso",
            "bob-usual-ip",
            "bob-new-ip-failed",
            "carol-first-login",
            "erin-sso-usual-ip",
        ],
    )
}

fn root_access_key() -> QueryCases {
    let new_key = |key: &str, user: &str| {
        json!({"accessKey": {"accessKeyId": key, "status": "Active", "userName": user,
                             "createDate": "Sep 2, 2024, 3:00:00 AM"}})
    };
    cases(
        "root-access-key-created",
        vec![
            with(
                call("root-key-created", &t(2, 3, 0, 0), "iam", "CreateAccessKey"),
                json!({"userIdentity": root(), "responseElements": new_key("AKIAROOTNEWKEY", ACCOUNT)}),
            ),
            with(
                req(
                    "alice-own-key",
                    &t(2, 3, 1, 0),
                    "iam",
                    "CreateAccessKey",
                    json!({"userName": "alice"}),
                ),
                json!({"responseElements": new_key("AKIAALICENEWKEY", "alice")}),
            ),
            with(
                call(
                    "root-key-over-limit",
                    &t(2, 3, 2, 0),
                    "iam",
                    "CreateAccessKey",
                ),
                json!({"userIdentity": root(), "errorCode": "LimitExceededException",
                       "errorMessage": "Cannot exceed quota for AccessKeysPerUser: 2"}),
            ),
            by(
                call("root-list-keys", &t(2, 3, 3, 0), "iam", "ListAccessKeys"),
                root(),
            ),
        ],
        &["root-key-created"],
        &["alice-own-key", "root-key-over-limit", "root-list-keys"],
    )
}

fn login_profile_other() -> QueryCases {
    cases(
        "login-profile-for-other-user",
        vec![
            req(
                "profile-for-bob",
                &t(2, 10, 0, 0),
                "iam",
                "CreateLoginProfile",
                json!({"userName": "bob", "passwordResetRequired": false}),
            ),
            by(
                req(
                    "admin-role-resets-carol",
                    &t(2, 10, 1, 0),
                    "iam",
                    "UpdateLoginProfile",
                    json!({"userName": "carol", "passwordResetRequired": true}),
                ),
                role_session("AdminRole", "ops"),
            ),
            req(
                "profile-for-self",
                &t(2, 10, 2, 0),
                "iam",
                "UpdateLoginProfile",
                json!({"userName": "alice", "passwordResetRequired": false}),
            ),
            refused(
                req(
                    "profile-for-bob-denied",
                    &t(2, 10, 3, 0),
                    "iam",
                    "CreateLoginProfile",
                    json!({"userName": "bob", "passwordResetRequired": false}),
                ),
                "AccessDenied",
            ),
            call(
                "own-password-changed",
                &t(2, 10, 4, 0),
                "iam",
                "ChangePassword",
            ),
        ],
        &["profile-for-bob", "admin-role-resets-carol"],
        &[
            "profile-for-self",
            "profile-for-bob-denied",
            "own-password-changed",
        ],
    )
}

fn iam_user_created() -> QueryCases {
    cases(
        "iam-user-created",
        vec![
            with(
                req(
                    "create-svc-backup",
                    &t(2, 10, 0, 0),
                    "iam",
                    "CreateUser",
                    json!({"userName": "svc-backup", "path": "/"}),
                ),
                json!({"responseElements": {"user": {"path": "/", "userName": "svc-backup", "userId": "AIDASVCBACKUP",
                       "arn": format!("arn:aws:iam::{ACCOUNT}:user/svc-backup"), "createDate": "Sep 2, 2024, 10:00:00 AM"}}}),
            ),
            with(
                req(
                    "create-user-exists",
                    &t(2, 10, 1, 0),
                    "iam",
                    "CreateUser",
                    json!({"userName": "bob"}),
                ),
                json!({"errorCode": "EntityAlreadyExistsException", "errorMessage": "User with name bob already exists."}),
            ),
            req(
                "create-role",
                &t(2, 10, 2, 0),
                "iam",
                "CreateRole",
                json!({"roleName": "app"}),
            ),
            req(
                "get-user",
                &t(2, 10, 3, 0),
                "iam",
                "GetUser",
                json!({"userName": "bob"}),
            ),
        ],
        &["create-svc-backup"],
        &["create-user-exists", "create-role", "get-user"],
    )
}

fn role_trust_opened() -> QueryCases {
    let create = |id: &str, m: u32, role: &str, statements: Value| {
        req(
            id,
            &t(2, 10, m, 0),
            "iam",
            "CreateRole",
            json!({"roleName": role, "assumeRolePolicyDocument": policy(statements)}),
        )
    };
    let update = |id: &str, m: u32, role: &str, statements: Value| {
        req(
            id,
            &t(2, 10, m, 0),
            "iam",
            "UpdateAssumeRolePolicy",
            json!({"roleName": role, "policyDocument": policy(statements)}),
        )
    };
    let assume = |principal: Value| json!({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"});
    let mut c = cases(
        "role-trust-policy-opened",
        vec![
            create(
                "role-trusts-other-account",
                0,
                "vendor-access",
                json!([assume(
                    json!({"AWS": format!("arn:aws:iam::{OTHER_ACCOUNT}:root")})
                )]),
            ),
            // A second statement opens the role to everyone.
            update(
                "trust-opened-to-star",
                1,
                "app",
                json!([
                    assume(json!({"Service": "ec2.amazonaws.com"})),
                    assume(json!({"AWS": "*"}))
                ]),
            ),
            // One statement, not a list; `*` is reported even with a condition.
            update(
                "trust-principal-star",
                2,
                "org-reader",
                json!({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}),
            ),
            update(
                "trust-bare-account-id",
                3,
                "ci",
                json!([assume(
                    json!({"AWS": [role_arn("ci-runner"), "333333333333"]})
                )]),
            ),
            create(
                "role-for-lambda",
                4,
                "orders-lambda",
                json!([assume(json!({"Service": "lambda.amazonaws.com"}))]),
            ),
            create(
                "role-trusts-own-account",
                5,
                "ops",
                json!([assume(
                    json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")})
                )]),
            ),
            update(
                "trust-star-only-denied",
                6,
                "app",
                json!([{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
                       assume(json!({"AWS": role_arn("ci-runner")}))]),
            ),
            refused(
                update(
                    "trust-star-refused",
                    7,
                    "app",
                    json!([assume(json!({"AWS": "*"}))]),
                ),
                "AccessDenied",
            ),
            create(
                "role-for-github-oidc",
                8,
                "deploy",
                json!([{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                        "Principal": {"Federated": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")}}]),
            ),
            // Trusted through the parameter.
            create(
                "role-trusts-partner",
                9,
                "partner",
                json!([assume(json!({"AWS": "arn:aws:iam::444444444444:root"}))]),
            ),
        ],
        &[
            "role-trusts-other-account",
            "trust-opened-to-star",
            "trust-principal-star",
            "trust-bare-account-id",
        ],
        &[
            "role-for-lambda",
            "role-trusts-own-account",
            "trust-star-only-denied",
            "trust-star-refused",
            "role-for-github-oidc",
            "role-trusts-partner",
        ],
    );
    c.params = vec![("trusted_accounts", "^444444444444$".into())];
    c
}

fn lambda_code_changed() -> QueryCases {
    let deployer = || role_session("Deployer", "ci");
    let code = |id: &str, time: &str| {
        req(
            id,
            time,
            "lambda",
            "UpdateFunctionCode20150331v2",
            json!({"functionName": "orders", "publish": true, "dryRun": false}),
        )
    };
    let layers = |id: &str, m: u32, layer_account: &str| {
        by(
            req(
                id,
                &t(2, 10, m, 0),
                "lambda",
                "UpdateFunctionConfiguration20150331v2",
                json!({"functionName": "orders", "layers": [format!("arn:aws:lambda:us-east-1:{layer_account}:layer:telemetry:3")]}),
            ),
            deployer(),
        )
    };
    let mut c = cases(
        "lambda-layer-or-code-changed",
        vec![
            by(
                code("baseline-deployer-code", "2024-08-20T10:00:00Z"),
                deployer(),
            ),
            by(code("deployer-code-update", &t(2, 10, 0, 0)), deployer()),
            code("alice-code-update", &t(2, 10, 1, 0)),
            // The usual deployer, but a layer from another account.
            layers("deployer-foreign-layer", 2, OTHER_ACCOUNT),
            layers("deployer-own-layer", 3, ACCOUNT),
            layers("deployer-vendor-layer", 4, "580247275435"),
            by(
                req(
                    "bob-publish-layer",
                    &t(2, 10, 5, 0),
                    "lambda",
                    "PublishLayerVersion20181031",
                    json!({"layerName": "telemetry", "compatibleRuntimes": ["python3.12"],
                           "content": {"s3Bucket": "bob-scratch", "s3Key": "layer.zip"}}),
                ),
                user("bob"),
            ),
            req(
                "alice-config-timeout",
                &t(2, 10, 6, 0),
                "lambda",
                "UpdateFunctionConfiguration20150331v2",
                json!({"functionName": "orders", "timeout": 30}),
            ),
            by(
                refused(
                    code("bob-code-denied", &t(2, 10, 7, 0)),
                    "AccessDeniedException",
                ),
                user("bob"),
            ),
        ],
        &[
            "alice-code-update",
            "deployer-foreign-layer",
            "bob-publish-layer",
        ],
        &[
            "baseline-deployer-code",
            "deployer-code-update",
            "deployer-own-layer",
            "deployer-vendor-layer",
            "alice-config-timeout",
            "bob-code-denied",
        ],
    );
    c.params = vec![("trusted_layer_accounts", "^580247275435$".into())];
    c
}

fn lambda_public() -> QueryCases {
    let permission = |id: &str, m: u32, params: Value| {
        req(
            id,
            &t(2, 10, m, 0),
            "lambda",
            "AddPermission20150331v2",
            params,
        )
    };
    let url = |id: &str, m: u32, name: &str, auth: &str| {
        req(
            id,
            &t(2, 10, m, 0),
            "lambda",
            name,
            json!({"functionName": "orders", "authType": auth}),
        )
    };
    cases(
        "lambda-resource-policy-public",
        vec![
            permission(
                "perm-public-invoke",
                0,
                json!({"functionName": "orders", "statementId": "open", "action": "lambda:InvokeFunction", "principal": "*"}),
            ),
            url(
                "url-auth-none",
                1,
                "CreateFunctionUrlConfig20181031",
                "NONE",
            ),
            url(
                "url-updated-to-none",
                2,
                "UpdateFunctionUrlConfig20181031",
                "NONE",
            ),
            permission(
                "perm-s3-source",
                3,
                json!({"functionName": "orders", "statementId": "s3", "action": "lambda:InvokeFunction", "principal": "s3.amazonaws.com",
                       "sourceArn": "arn:aws:s3:::orders-inbox", "sourceAccount": ACCOUNT}),
            ),
            permission(
                "perm-star-in-org",
                4,
                json!({"functionName": "orders", "statementId": "org", "action": "lambda:InvokeFunction", "principal": "*",
                       "principalOrgID": "o-abc123"}),
            ),
            url(
                "url-auth-iam",
                5,
                "CreateFunctionUrlConfig20181031",
                "AWS_IAM",
            ),
            refused(
                permission(
                    "perm-public-refused",
                    6,
                    json!({"functionName": "orders", "statementId": "open", "action": "lambda:InvokeFunction", "principal": "*"}),
                ),
                "AccessDeniedException",
            ),
        ],
        &["perm-public-invoke", "url-auth-none", "url-updated-to-none"],
        &[
            "perm-s3-source",
            "perm-star-in-org",
            "url-auth-iam",
            "perm-public-refused",
        ],
    )
}

fn ssm_document_shared() -> QueryCases {
    let share = |id: &str, m: u32, change: &str, accounts: Value| {
        req(
            id,
            &t(2, 10, m, 0),
            "ssm",
            "ModifyDocumentPermission",
            json!({"name": "Bootstrap", "permissionType": "Share", change: accounts}),
        )
    };
    let mut c = cases(
        "ssm-document-shared-publicly",
        vec![
            share("doc-shared-public", 0, "accountIdsToAdd", json!(["All"])),
            share(
                "doc-shared-other-account",
                1,
                "accountIdsToAdd",
                json!([OTHER_ACCOUNT]),
            ),
            // Trusted through the parameter.
            share(
                "doc-shared-partner",
                2,
                "accountIdsToAdd",
                json!(["444444444444"]),
            ),
            share("doc-unshared", 3, "accountIdsToRemove", json!(["All"])),
            refused(
                share("doc-public-refused", 4, "accountIdsToAdd", json!(["All"])),
                "AccessDeniedException",
            ),
            req(
                "doc-permission-read",
                &t(2, 10, 5, 0),
                "ssm",
                "DescribeDocumentPermission",
                json!({"name": "Bootstrap", "permissionType": "Share"}),
            ),
        ],
        &["doc-shared-public", "doc-shared-other-account"],
        &[
            "doc-shared-partner",
            "doc-unshared",
            "doc-public-refused",
            "doc-permission-read",
        ],
    );
    c.params = vec![("trusted_accounts", "^444444444444$".into())];
    c
}

fn user_data_modified() -> QueryCases {
    let modify = |id: &str, m: u32, params: Value| {
        req(
            id,
            &t(2, 10, m, 0),
            "ec2",
            "ModifyInstanceAttribute",
            params,
        )
    };
    cases(
        "ec2-user-data-modified",
        vec![
            modify(
                "userdata-modified",
                0,
                json!({"instanceId": "i-0abc", "userData": "<sensitiveDataRemoved>"}),
            ),
            modify(
                "userdata-attribute-form",
                1,
                json!({"instanceId": "i-0abc", "attribute": "userData", "value": "<sensitiveDataRemoved>"}),
            ),
            modify(
                "instance-type-changed",
                2,
                json!({"instanceId": "i-0abc", "instanceType": {"value": "m5.large"}}),
            ),
            refused(
                modify(
                    "userdata-refused",
                    3,
                    json!({"instanceId": "i-0abc", "userData": "<sensitiveDataRemoved>"}),
                ),
                "Client.UnauthorizedOperation",
            ),
            req(
                "userdata-read",
                &t(2, 10, 4, 0),
                "ec2",
                "DescribeInstanceAttribute",
                json!({"instanceId": "i-0abc", "attribute": "userData"}),
            ),
        ],
        &["userdata-modified", "userdata-attribute-form"],
        &["instance-type-changed", "userdata-refused", "userdata-read"],
    )
}

fn policy_default_version() -> QueryCases {
    let arn = format!("arn:aws:iam::{ACCOUNT}:policy/app-deploy");
    let admin = policy(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
    cases(
        "iam-policy-version-default-changed",
        vec![
            with(
                req(
                    "policy-version-default",
                    &t(2, 10, 0, 0),
                    "iam",
                    "CreatePolicyVersion",
                    json!({"policyArn": arn, "policyDocument": admin, "setAsDefault": true}),
                ),
                json!({"responseElements": {"policyVersion": {"versionId": "v3", "isDefaultVersion": true,
                                                              "createDate": "Sep 2, 2024, 10:00:00 AM"}}}),
            ),
            req(
                "policy-default-set",
                &t(2, 10, 1, 0),
                "iam",
                "SetDefaultPolicyVersion",
                json!({"policyArn": arn, "versionId": "v1"}),
            ),
            req(
                "policy-version-not-default",
                &t(2, 10, 2, 0),
                "iam",
                "CreatePolicyVersion",
                json!({"policyArn": arn, "policyDocument": admin, "setAsDefault": false}),
            ),
            refused(
                req(
                    "policy-default-refused",
                    &t(2, 10, 3, 0),
                    "iam",
                    "SetDefaultPolicyVersion",
                    json!({"policyArn": arn, "versionId": "v1"}),
                ),
                "AccessDenied",
            ),
            req(
                "policy-version-deleted",
                &t(2, 10, 4, 0),
                "iam",
                "DeletePolicyVersion",
                json!({"policyArn": arn, "versionId": "v2"}),
            ),
        ],
        &["policy-version-default", "policy-default-set"],
        &[
            "policy-version-not-default",
            "policy-default-refused",
            "policy-version-deleted",
        ],
    )
}

/// IAM Identity Center's service-linked role, as it provisions permission sets into an account.
fn sso_service_role() -> Value {
    json!({"type": "AssumedRole", "principalId": "AROASSOSERVICE:AWS-SSO",
           "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForSSO/AWS-SSO"), "accountId": ACCOUNT,
           "invokedBy": "sso.amazonaws.com",
           "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROASSOSERVICE",
                              "arn": format!("arn:aws:iam::{ACCOUNT}:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO"),
                              "accountId": ACCOUNT, "userName": "AWSServiceRoleForSSO"},
                              "attributes": {"creationDate": "2024-09-02T09:00:00Z", "mfaAuthenticated": "false"}}})
}

fn admin_policy_attached() -> QueryCases {
    let attach = |id: &str, m: u32, name: &str, target: Value, policy_arn: &str| {
        let mut params = target;
        params["policyArn"] = json!(policy_arn);
        req(id, &t(2, 10, m, 0), "iam", name, params)
    };
    let inline = |id: &str, m: u32, name: &str, target: Value, statements: Value| {
        let mut params = target;
        params["policyName"] = json!("inline");
        params["policyDocument"] = json!(policy(statements));
        req(id, &t(2, 10, m, 0), "iam", name, params)
    };
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    cases(
        "admin-policy-attached",
        vec![
            attach(
                "attach-role-admin",
                0,
                "AttachRolePolicy",
                json!({"roleName": "ci-runner"}),
                admin,
            ),
            attach(
                "attach-group-poweruser",
                1,
                "AttachGroupPolicy",
                json!({"groupName": "devs"}),
                "arn:aws:iam::aws:policy/PowerUserAccess",
            ),
            // One statement, not a list.
            inline(
                "inline-role-star",
                2,
                "PutRolePolicy",
                json!({"roleName": "app"}),
                json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
            ),
            inline(
                "inline-user-star-list",
                3,
                "PutUserPolicy",
                json!({"userName": "bob"}),
                json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"},
                       {"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]),
            ),
            attach(
                "attach-role-readonly",
                4,
                "AttachRolePolicy",
                json!({"roleName": "ci-runner"}),
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
            inline(
                "inline-s3-star",
                5,
                "PutGroupPolicy",
                json!({"groupName": "devs"}),
                json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]),
            ),
            inline(
                "inline-deny-all",
                6,
                "PutRolePolicy",
                json!({"roleName": "quarantine"}),
                json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
            ),
            inline(
                "inline-star-one-bucket",
                7,
                "PutRolePolicy",
                json!({"roleName": "app"}),
                json!([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::reports/*"}]),
            ),
            // Managed policies on users are new-user-given-admin's.
            attach(
                "attach-user-admin",
                8,
                "AttachUserPolicy",
                json!({"userName": "bob"}),
                admin,
            ),
            // Identity Center provisioning its AdministratorAccess permission set.
            with(
                attach(
                    "sso-provisions-admin",
                    10,
                    "AttachRolePolicy",
                    json!({"roleName": "AWSReservedSSO_AdministratorAccess_0123abcd"}),
                    admin,
                ),
                json!({"userIdentity": sso_service_role(), "sourceIPAddress": "sso.amazonaws.com", "userAgent": "sso.amazonaws.com"}),
            ),
            refused(
                attach(
                    "attach-role-admin-refused",
                    9,
                    "AttachRolePolicy",
                    json!({"roleName": "ci-runner"}),
                    admin,
                ),
                "AccessDenied",
            ),
        ],
        &[
            "attach-role-admin",
            "attach-group-poweruser",
            "inline-role-star",
            "inline-user-star-list",
        ],
        &[
            "attach-role-readonly",
            "inline-s3-star",
            "inline-deny-all",
            "inline-star-one-bucket",
            "attach-user-admin",
            "sso-provisions-admin",
            "attach-role-admin-refused",
        ],
    )
}

fn passrole_compute() -> QueryCases {
    let deployer = || role_session("Deployer", "ci");
    let function = |id: &str, time: &str, name: &str, role: &str| {
        by(
            req(
                id,
                time,
                "lambda",
                "CreateFunction20150331",
                json!({"functionName": name, "runtime": "python3.12", "role": role_arn(role), "handler": "app.handler",
                       "code": {"s3Bucket": "artifacts", "s3Key": format!("{name}.zip")}}),
            ),
            deployer(),
        )
    };
    let instance = |id: &str, m: u32, profile: Option<&str>| {
        let mut params = json!({"instancesSet": {"items": [{"imageId": "ami-0abc", "minCount": 1, "maxCount": 1}]},
                                "instanceType": "t3.micro"});
        if let Some(p) = profile {
            params["iamInstanceProfile"] =
                json!({"arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/{p}")});
        }
        req(id, &t(2, 11, m, 0), "ec2", "RunInstances", params)
    };
    cases(
        "passrole-compute-escalation",
        vec![
            function(
                "baseline-deployer-function",
                "2024-08-20T10:00:00Z",
                "orders",
                "orders-lambda",
            ),
            function(
                "deployer-usual-role",
                &t(2, 10, 0, 0),
                "refunds",
                "orders-lambda",
            ),
            function(
                "deployer-admin-role",
                &t(2, 10, 1, 0),
                "cleanup",
                "AdminRole",
            ),
            instance("alice-instance-admin-profile", 0, Some("Admin")),
            req(
                "alice-stack-with-role",
                &t(2, 11, 1, 0),
                "cloudformation",
                "CreateStack",
                json!({"stackName": "network", "templateURL": "https://s3.amazonaws.com/artifacts/network.yaml",
                       "roleARN": role_arn("cfn-admin"), "capabilities": ["CAPABILITY_IAM"]}),
            ),
            req(
                "alice-glue-endpoint",
                &t(2, 11, 2, 0),
                "glue",
                "CreateDevEndpoint",
                json!({"endpointName": "scratch", "roleArn": role_arn("glue-admin"), "numberOfNodes": 2}),
            ),
            instance("alice-instance-no-profile", 3, None),
            refused(
                instance("alice-instance-profile-refused", 4, Some("Admin")),
                "Client.UnauthorizedOperation",
            ),
            req(
                "alice-function-url",
                &t(2, 11, 5, 0),
                "lambda",
                "CreateFunctionUrlConfig20181031",
                json!({"functionName": "orders", "authType": "AWS_IAM"}),
            ),
        ],
        &[
            "deployer-admin-role",
            "alice-instance-admin-profile",
            "alice-stack-with-role",
            "alice-glue-endpoint",
        ],
        &[
            "baseline-deployer-function",
            "deployer-usual-role",
            "alice-instance-no-profile",
            "alice-instance-profile-refused",
            "alice-function-url",
        ],
    )
}

fn identity_center_changes() -> QueryCases {
    let instance = "arn:aws:sso:::instance/ssoins-1111111111111111";
    let permission_set = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-aaaaaaaaaaaaaaaa";
    let assignment = json!({"instanceArn": instance, "targetId": ACCOUNT, "targetType": "AWS_ACCOUNT",
                            "permissionSetArn": permission_set, "principalType": "USER", "principalId": "90676d1f-user-mallory"});
    let sso =
        |id: &str, m: u32, name: &str, params: Value| req(id, &t(2, 10, m, 0), "sso", name, params);
    cases(
        "identity-center-permission-changes",
        vec![
            with(
                sso(
                    "ps-created",
                    0,
                    "CreatePermissionSet",
                    json!({"instanceArn": instance, "name": "BreakGlass", "sessionDuration": "PT12H"}),
                ),
                json!({"responseElements": {"permissionSet": {"name": "BreakGlass", "permissionSetArn": permission_set}}}),
            ),
            sso(
                "ps-admin-attached",
                1,
                "AttachManagedPolicyToPermissionSet",
                json!({"instanceArn": instance, "permissionSetArn": permission_set,
                       "managedPolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
            ),
            sso(
                "ps-inline-put",
                2,
                "PutInlinePolicyToPermissionSet",
                json!({"instanceArn": instance, "permissionSetArn": permission_set,
                       "inlinePolicy": policy(json!([{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]))}),
            ),
            sso(
                "assignment-created",
                3,
                "CreateAccountAssignment",
                assignment.clone(),
            ),
            sso(
                "assignment-deleted",
                4,
                "DeleteAccountAssignment",
                assignment.clone(),
            ),
            sso(
                "ps-listed",
                5,
                "ListPermissionSets",
                json!({"instanceArn": instance}),
            ),
            refused(
                sso(
                    "assignment-refused",
                    6,
                    "CreateAccountAssignment",
                    assignment,
                ),
                "AccessDeniedException",
            ),
        ],
        &[
            "ps-created",
            "ps-admin-attached",
            "ps-inline-put",
            "assignment-created",
        ],
        &["assignment-deleted", "ps-listed", "assignment-refused"],
    )
}

fn key_pair_imported() -> QueryCases {
    let import = |id: &str, m: u32| {
        req(
            id,
            &t(2, 10, m, 0),
            "ec2",
            "ImportKeyPair",
            json!({"keyName": "ops-laptop", "publicKeyMaterial": "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTU="}),
        )
    };
    cases(
        "ec2-key-pair-imported",
        vec![
            set(
                import("key-imported", 0),
                "responseElements",
                json!({"requestId": "req-key-imported", "keyName": "ops-laptop", "keyPairId": "key-0abc",
                       "keyFingerprint": "c7:2e:55:1b:0a:9f:3d:41:88:6a:20:13:fe:77:04:b2"}),
            ),
            req(
                "key-created-by-aws",
                &t(2, 10, 1, 0),
                "ec2",
                "CreateKeyPair",
                json!({"keyName": "build", "keyType": "ed25519"}),
            ),
            refused(
                import("key-import-refused", 2),
                "Client.UnauthorizedOperation",
            ),
            call(
                "key-pairs-described",
                &t(2, 10, 3, 0),
                "ec2",
                "DescribeKeyPairs",
            ),
        ],
        &["key-imported"],
        &[
            "key-created-by-aws",
            "key-import-refused",
            "key-pairs-described",
        ],
    )
}

fn ssh_key_or_certificate() -> QueryCases {
    let ssh = |id: &str, m: u32| {
        req(
            id,
            &t(2, 10, m, 0),
            "iam",
            "UploadSSHPublicKey",
            json!({"userName": "bob", "sSHPublicKeyBody": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0 bob@laptop"}),
        )
    };
    cases(
        "ssh-key-or-certificate-uploaded",
        vec![
            set(
                ssh("ssh-key-for-bob", 0),
                "responseElements",
                json!({"sSHPublicKey": {"userName": "bob", "sSHPublicKeyId": "APKABOBKEY", "status": "Active",
                       "fingerprint": "6a:4b:1c:80:22:93:aa:0e:5d:71:c4:39:f2:6e:08:d5"}}),
            ),
            // No user named: the caller's own certificate.
            with(
                req(
                    "signing-cert-self",
                    &t(2, 10, 1, 0),
                    "iam",
                    "UploadSigningCertificate",
                    json!({"certificateBody": "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----"}),
                ),
                json!({"responseElements": {"certificate": {"userName": "alice", "certificateId": "CERTALICE", "status": "Active"}}}),
            ),
            req(
                "server-cert-uploaded",
                &t(2, 10, 2, 0),
                "iam",
                "UploadServerCertificate",
                json!({"serverCertificateName": "www",
                       "certificateBody": "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----"}),
            ),
            refused(ssh("ssh-key-refused", 3), "AccessDenied"),
            req(
                "ssh-keys-listed",
                &t(2, 10, 4, 0),
                "iam",
                "ListSSHPublicKeys",
                json!({"userName": "bob"}),
            ),
        ],
        &["ssh-key-for-bob", "signing-cert-self"],
        &["server-cert-uploaded", "ssh-key-refused", "ssh-keys-listed"],
    )
}

fn mfa_removed() -> QueryCases {
    let device = format!("arn:aws:iam::{ACCOUNT}:mfa/bob-phone");
    cases(
        "mfa-device-removed",
        vec![
            req(
                "mfa-deactivated-bob",
                &t(2, 10, 0, 0),
                "iam",
                "DeactivateMFADevice",
                json!({"userName": "bob", "serialNumber": device}),
            ),
            req(
                "virtual-mfa-deleted",
                &t(2, 10, 1, 0),
                "iam",
                "DeleteVirtualMFADevice",
                json!({"serialNumber": device}),
            ),
            by(
                req(
                    "root-mfa-deactivated",
                    &t(2, 10, 2, 0),
                    "iam",
                    "DeactivateMFADevice",
                    json!({"serialNumber": format!("arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device")}),
                ),
                root(),
            ),
            req(
                "mfa-enabled",
                &t(2, 10, 3, 0),
                "iam",
                "EnableMFADevice",
                json!({"userName": "bob", "serialNumber": device}),
            ),
            refused(
                req(
                    "mfa-deactivate-refused",
                    &t(2, 10, 4, 0),
                    "iam",
                    "DeactivateMFADevice",
                    json!({"userName": "bob", "serialNumber": device}),
                ),
                "AccessDenied",
            ),
            req(
                "virtual-mfa-created",
                &t(2, 10, 5, 0),
                "iam",
                "CreateVirtualMFADevice",
                json!({"virtualMFADeviceName": "bob-phone", "path": "/"}),
            ),
        ],
        &[
            "mfa-deactivated-bob",
            "virtual-mfa-deleted",
            "root-mfa-deactivated",
        ],
        &[
            "mfa-enabled",
            "mfa-deactivate-refused",
            "virtual-mfa-created",
        ],
    )
}

fn cognito_unauthenticated() -> QueryCases {
    let pool = "us-east-1:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    let cognito = |id: &str, m: u32, name: &str, params: Value| {
        req(id, &t(2, 10, m, 0), "cognito-identity", name, params)
    };
    cases(
        "cognito-unauthenticated-access",
        vec![
            with(
                cognito(
                    "pool-created-open",
                    0,
                    "CreateIdentityPool",
                    json!({"identityPoolName": "web", "allowUnauthenticatedIdentities": true, "allowClassicFlow": false}),
                ),
                json!({"responseElements": {"identityPoolId": pool, "identityPoolName": "web", "allowUnauthenticatedIdentities": true}}),
            ),
            cognito(
                "pool-updated-open",
                1,
                "UpdateIdentityPool",
                json!({"identityPoolId": pool, "identityPoolName": "web", "allowUnauthenticatedIdentities": true}),
            ),
            cognito(
                "guest-role-set",
                2,
                "SetIdentityPoolRoles",
                json!({"identityPoolId": pool, "roles": {"authenticated": role_arn("Cognito_webAuth"),
                       "unauthenticated": role_arn("Cognito_webUnauth")}}),
            ),
            cognito(
                "pool-created-closed",
                3,
                "CreateIdentityPool",
                json!({"identityPoolName": "app", "allowUnauthenticatedIdentities": false}),
            ),
            cognito(
                "auth-role-only",
                4,
                "SetIdentityPoolRoles",
                json!({"identityPoolId": pool, "roles": {"authenticated": role_arn("Cognito_webAuth")}}),
            ),
            refused(
                cognito(
                    "pool-update-refused",
                    5,
                    "UpdateIdentityPool",
                    json!({"identityPoolId": pool, "identityPoolName": "web", "allowUnauthenticatedIdentities": true}),
                ),
                "AccessDeniedException",
            ),
        ],
        &["pool-created-open", "pool-updated-open", "guest-role-set"],
        &[
            "pool-created-closed",
            "auth-role-only",
            "pool-update-refused",
        ],
    )
}

fn privileged_group() -> QueryCases {
    let group = |id: &str, m: u32, name: &str, user: &str, group: &str| {
        req(
            id,
            &t(2, 10, m, 0),
            "iam",
            name,
            json!({"groupName": group, "userName": user}),
        )
    };
    cases(
        "user-added-to-privileged-group",
        vec![
            group("bob-to-admins", 0, "AddUserToGroup", "bob", "Admins"),
            group(
                "carol-to-security",
                1,
                "AddUserToGroup",
                "carol",
                "SecurityAudit",
            ),
            group(
                "dave-to-developers",
                2,
                "AddUserToGroup",
                "dave",
                "Developers",
            ),
            refused(
                group(
                    "bob-to-admins-refused",
                    3,
                    "AddUserToGroup",
                    "bob",
                    "Admins",
                ),
                "AccessDenied",
            ),
            group(
                "bob-out-of-admins",
                4,
                "RemoveUserFromGroup",
                "bob",
                "Admins",
            ),
        ],
        &["bob-to-admins", "carol-to-security"],
        &[
            "dave-to-developers",
            "bob-to-admins-refused",
            "bob-out-of-admins",
        ],
    )
}

fn new_user_credentials() -> QueryCases {
    let iam = |id: &str, time: &str, name: &str, params: Value| req(id, time, "iam", name, params);
    cases(
        "new-access-key-for-new-user",
        vec![
            iam(
                "create-svc-sync",
                &t(2, 10, 0, 0),
                "CreateUser",
                json!({"userName": "svc-sync"}),
            ),
            iam(
                "key-svc-sync",
                &t(2, 10, 10, 0),
                "CreateAccessKey",
                json!({"userName": "svc-sync"}),
            ),
            iam(
                "create-temp-admin",
                &t(3, 14, 0, 0),
                "CreateUser",
                json!({"userName": "temp-admin"}),
            ),
            iam(
                "profile-temp-admin",
                &t(3, 14, 45, 0),
                "CreateLoginProfile",
                json!({"userName": "temp-admin", "passwordResetRequired": false}),
            ),
            // The key comes two hours later.
            iam(
                "create-reporting",
                &t(4, 9, 0, 0),
                "CreateUser",
                json!({"userName": "reporting"}),
            ),
            iam(
                "key-reporting-later",
                &t(4, 11, 0, 0),
                "CreateAccessKey",
                json!({"userName": "reporting"}),
            ),
            iam(
                "key-oldtimer",
                &t(4, 12, 0, 0),
                "CreateAccessKey",
                json!({"userName": "oldtimer"}),
            ),
            iam(
                "create-audit-bot",
                &t(5, 9, 0, 0),
                "CreateUser",
                json!({"userName": "audit-bot"}),
            ),
            refused(
                iam(
                    "key-audit-bot-refused",
                    &t(5, 9, 5, 0),
                    "CreateAccessKey",
                    json!({"userName": "audit-bot"}),
                ),
                "AccessDenied",
            ),
        ],
        &[
            "create-svc-sync",
            "key-svc-sync",
            "create-temp-admin",
            "profile-temp-admin",
        ],
        &[
            "create-reporting",
            "key-reporting-later",
            "key-oldtimer",
            "create-audit-bot",
            "key-audit-bot-refused",
        ],
    )
}

fn instance_profile_swapped() -> QueryCases {
    let associate = |id: &str, m: u32| {
        req(
            id,
            &t(2, 10, m, 0),
            "ec2",
            "AssociateIamInstanceProfile",
            json!({"AssociateIamInstanceProfileRequest": {"InstanceId": "i-0abc", "IamInstanceProfile": {"Name": "Admin"}}}),
        )
    };
    cases(
        "ec2-instance-profile-swapped",
        vec![
            associate("profile-associated", 0),
            req(
                "profile-replaced",
                &t(2, 10, 1, 0),
                "ec2",
                "ReplaceIamInstanceProfileAssociation",
                json!({"ReplaceIamInstanceProfileAssociationRequest": {"AssociationId": "iip-assoc-0abc",
                       "IamInstanceProfile": {"Arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/Admin")}}}),
            ),
            req(
                "profile-disassociated",
                &t(2, 10, 2, 0),
                "ec2",
                "DisassociateIamInstanceProfile",
                json!({"DisassociateIamInstanceProfileRequest": {"AssociationId": "iip-assoc-0abc"}}),
            ),
            refused(
                associate("profile-associate-refused", 3),
                "Client.UnauthorizedOperation",
            ),
            call(
                "profile-associations-described",
                &t(2, 10, 4, 0),
                "ec2",
                "DescribeIamInstanceProfileAssociations",
            ),
        ],
        &["profile-associated", "profile-replaced"],
        &[
            "profile-disassociated",
            "profile-associate-refused",
            "profile-associations-described",
        ],
    )
}

fn launch_template_modified() -> QueryCases {
    let version = |id: &str, m: u32, data: Value| {
        req(
            id,
            &t(2, 10, m, 0),
            "ec2",
            "CreateLaunchTemplateVersion",
            json!({"CreateLaunchTemplateVersionRequest": {"LaunchTemplateId": "lt-0abc", "SourceVersion": "1",
                                                          "LaunchTemplateData": data}}),
        )
    };
    cases(
        "ec2-launch-template-modified",
        vec![
            set(
                version(
                    "template-version-userdata",
                    0,
                    json!({"UserData": "<sensitiveDataRemoved>"}),
                ),
                "responseElements",
                json!({"CreateLaunchTemplateVersionResponse": {"launchTemplateVersion": {"launchTemplateId": "lt-0abc",
                                                                                         "versionNumber": 2}}}),
            ),
            req(
                "template-default-set",
                &t(2, 10, 1, 0),
                "ec2",
                "ModifyLaunchTemplate",
                json!({"ModifyLaunchTemplateRequest": {"LaunchTemplateId": "lt-0abc", "SetDefaultVersion": "2"}}),
            ),
            version(
                "template-version-type-only",
                2,
                json!({"InstanceType": "m5.large"}),
            ),
            refused(
                version(
                    "template-userdata-refused",
                    3,
                    json!({"UserData": "<sensitiveDataRemoved>"}),
                ),
                "Client.UnauthorizedOperation",
            ),
            call(
                "template-versions-described",
                &t(2, 10, 4, 0),
                "ec2",
                "DescribeLaunchTemplateVersions",
            ),
        ],
        &["template-version-userdata", "template-default-set"],
        &[
            "template-version-type-only",
            "template-userdata-refused",
            "template-versions-described",
        ],
    )
}

fn sagemaker_lifecycle() -> QueryCases {
    let script =
        json!([{"content": "IyEvYmluL2Jhc2gKY3VybCBodHRwczovL2V4YW1wbGUuY29tL3MgfCBiYXNo"}]);
    let sagemaker = |id: &str, m: u32, name: &str, params: Value| {
        req(id, &t(2, 10, m, 0), "sagemaker", name, params)
    };
    cases(
        "sagemaker-notebook-lifecycle-config",
        vec![
            sagemaker(
                "lifecycle-created",
                0,
                "CreateNotebookInstanceLifecycleConfig",
                json!({"notebookInstanceLifecycleConfigName": "keepalive", "onStart": script.clone()}),
            ),
            sagemaker(
                "lifecycle-updated",
                1,
                "UpdateNotebookInstanceLifecycleConfig",
                json!({"notebookInstanceLifecycleConfigName": "keepalive", "onStart": script.clone()}),
            ),
            sagemaker(
                "notebook-given-lifecycle",
                2,
                "UpdateNotebookInstance",
                json!({"notebookInstanceName": "research", "lifecycleConfigName": "keepalive"}),
            ),
            sagemaker(
                "studio-lifecycle-created",
                3,
                "CreateStudioLifecycleConfig",
                json!({"studioLifecycleConfigName": "boot", "studioLifecycleConfigAppType": "JupyterServer",
                       "studioLifecycleConfigContent": "IyEvYmluL2Jhc2gKZWNobyBoaQ=="}),
            ),
            sagemaker(
                "notebook-type-changed",
                4,
                "UpdateNotebookInstance",
                json!({"notebookInstanceName": "research", "instanceType": "ml.t3.large"}),
            ),
            sagemaker(
                "lifecycle-deleted",
                5,
                "DeleteNotebookInstanceLifecycleConfig",
                json!({"notebookInstanceLifecycleConfigName": "keepalive"}),
            ),
            refused(
                sagemaker(
                    "lifecycle-create-refused",
                    6,
                    "CreateNotebookInstanceLifecycleConfig",
                    json!({"notebookInstanceLifecycleConfigName": "keepalive", "onStart": script}),
                ),
                "AccessDeniedException",
            ),
        ],
        &[
            "lifecycle-created",
            "lifecycle-updated",
            "notebook-given-lifecycle",
            "studio-lifecycle-created",
        ],
        &[
            "notebook-type-changed",
            "lifecycle-deleted",
            "lifecycle-create-refused",
        ],
    )
}
