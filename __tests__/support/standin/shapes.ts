// GitHub's JSON shapes for the stand-in's records: the fields the spec marks required (checked at the top level
// by the stand-in itself) with plausible values. Not complete; enough for real clients.
import type {
  AnnotationRecord,
  CheckRunRecord,
  CommentRecord,
  CommitRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  IssueRecord,
  LabelRecord,
  PullFileRecord,
  PullRecord,
  ReactionRecord,
  RepoData,
  ReviewRecord,
  StatusRecord,
  UserRef,
} from './state.js';

export interface Urls {
  /** API base, e.g. http://127.0.0.1:PORT: `url` fields point back at the stand-in. */
  api: string;
  /** Web base for `html_url` fields. */
  html: string;
}

export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`${kind}:${id}`).toString('base64').replace(/=+$/, '');
}

/** Stable numeric id for a login (the real id of github-actions[bot] for that account). */
export function userId(login: string): number {
  if (login === 'github-actions[bot]') return 41898282;
  let hash = 7;
  for (const ch of login.toLowerCase()) hash = (hash * 31 + ch.charCodeAt(0)) % 90_000_000;
  return 10_000_000 + hash;
}

export function userJson(user: UserRef, u: Urls): Record<string, unknown> {
  const url = `${u.api}/users/${encodeURIComponent(user.login)}`;
  return {
    login: user.login,
    id: userId(user.login),
    node_id: nodeId(user.type, userId(user.login)),
    avatar_url: `https://avatars.githubusercontent.com/u/${userId(user.login)}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${u.html}/${user.type === 'Bot' ? `apps/${user.login.replace(/\[bot\]$/, '')}` : user.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: user.type,
    site_admin: false,
  };
}

/** `GET /user`: GitHub's public-user view of the token's own account. */
export function authenticatedUserJson(user: UserRef, u: Urls): Record<string, unknown> {
  return {
    ...userJson(user, u),
    user_view_type: 'public',
    name: null,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2020-01-01T00:00:00Z',
  };
}

const REPO_URLS: Record<string, string> = {
  archive_url: '/{archive_format}{/ref}',
  assignees_url: '/assignees{/user}',
  blobs_url: '/git/blobs{/sha}',
  branches_url: '/branches{/branch}',
  collaborators_url: '/collaborators{/collaborator}',
  comments_url: '/comments{/number}',
  commits_url: '/commits{/sha}',
  compare_url: '/compare/{base}...{head}',
  contents_url: '/contents/{+path}',
  contributors_url: '/contributors',
  deployments_url: '/deployments',
  downloads_url: '/downloads',
  events_url: '/events',
  forks_url: '/forks',
  git_commits_url: '/git/commits{/sha}',
  git_refs_url: '/git/refs{/sha}',
  git_tags_url: '/git/tags{/sha}',
  hooks_url: '/hooks',
  issue_comment_url: '/issues/comments{/number}',
  issue_events_url: '/issues/events{/number}',
  issues_url: '/issues{/number}',
  keys_url: '/keys{/key_id}',
  labels_url: '/labels{/name}',
  languages_url: '/languages',
  merges_url: '/merges',
  milestones_url: '/milestones{/number}',
  notifications_url: '/notifications{?since,all,participating}',
  pulls_url: '/pulls{/number}',
  releases_url: '/releases{/id}',
  stargazers_url: '/stargazers',
  statuses_url: '/statuses/{sha}',
  subscribers_url: '/subscribers',
  subscription_url: '/subscription',
  tags_url: '/tags',
  teams_url: '/teams',
  trees_url: '/git/trees{/sha}',
};

export function repoUrl(data: RepoData, u: Urls): string {
  return `${u.api}/repos/${data.repo.fullName}`;
}

export function repoJson(
  data: RepoData,
  u: Urls,
  permissions?: Record<string, boolean>,
): Record<string, unknown> {
  const r = data.repo;
  const url = repoUrl(data, u);
  const openIssues = [...data.issues.values()].filter((i) => i.state === 'open').length;
  return {
    id: r.id,
    node_id: nodeId('Repository', r.id),
    name: r.name,
    full_name: r.fullName,
    owner: userJson({ login: r.owner, type: 'User' }, u),
    private: r.private,
    visibility: r.private ? 'private' : 'public',
    html_url: `${u.html}/${r.fullName}`,
    description: null,
    fork: r.fork,
    url,
    ...Object.fromEntries(Object.entries(REPO_URLS).map(([key, suffix]) => [key, `${url}${suffix}`])),
    clone_url: `${u.html}/${r.fullName}.git`,
    git_url: `git://github.com/${r.fullName}.git`,
    ssh_url: `git@github.com:${r.fullName}.git`,
    svn_url: `${u.html}/${r.fullName}`,
    mirror_url: null,
    homepage: null,
    language: 'HCL',
    default_branch: r.defaultBranch,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    subscribers_count: 0,
    network_count: 0,
    size: 1,
    open_issues: openIssues,
    open_issues_count: openIssues,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: '2024-01-01T00:00:00Z',
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    ...(permissions ? { permissions } : {}),
  };
}

export function labelJson(data: RepoData, label: LabelRecord, u: Urls): Record<string, unknown> {
  return {
    id: label.id,
    node_id: nodeId('Label', label.id),
    url: `${repoUrl(data, u)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: label.default,
  };
}

export function issueJson(data: RepoData, issue: IssueRecord, u: Urls): Record<string, unknown> {
  const base = repoUrl(data, u);
  const url = `${base}/issues/${issue.number}`;
  const comments = [...data.comments.values()].filter((c) => c.issueNumber === issue.number).length;
  const labels = issue.labels
    .map((name) => data.labels.get(name.toLowerCase()))
    .filter((l) => l !== undefined);
  return {
    id: issue.id,
    node_id: nodeId(issue.isPullRequest ? 'PullRequest' : 'Issue', issue.id),
    url,
    repository_url: base,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${u.html}/${data.repo.fullName}/${issue.isPullRequest ? 'pull' : 'issues'}/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: userJson(issue.user, u),
    labels: labels.map((l) => labelJson(data, l, u)),
    assignee: issue.assignees[0] ? userJson({ login: issue.assignees[0], type: 'User' }, u) : null,
    assignees: issue.assignees.map((login) => userJson({ login, type: 'User' }, u)),
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments,
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: issue.authorAssociation,
    ...(issue.isPullRequest
      ? {
          pull_request: {
            url: `${base}/pulls/${issue.number}`,
            html_url: `${u.html}/${data.repo.fullName}/pull/${issue.number}`,
            diff_url: `${u.html}/${data.repo.fullName}/pull/${issue.number}.diff`,
            patch_url: `${u.html}/${data.repo.fullName}/pull/${issue.number}.patch`,
            merged_at: null,
          },
        }
      : {}),
  };
}

export function commentJson(data: RepoData, comment: CommentRecord, u: Urls): Record<string, unknown> {
  const base = repoUrl(data, u);
  const isPull = data.issues.get(comment.issueNumber)?.isPullRequest ?? false;
  return {
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    url: `${base}/issues/comments/${comment.id}`,
    html_url: `${u.html}/${data.repo.fullName}/${isPull ? 'pull' : 'issues'}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${base}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: userJson(comment.user, u),
    author_association: comment.authorAssociation,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    reactions: reactionSummary(comment, `${base}/issues/comments/${comment.id}/reactions`),
  };
}

function reactionSummary(comment: CommentRecord, url: string): Record<string, unknown> {
  const count = (content: string): number => comment.reactions.filter((r) => r.content === content).length;
  return {
    url,
    total_count: comment.reactions.length,
    '+1': count('+1'),
    '-1': count('-1'),
    laugh: count('laugh'),
    confused: count('confused'),
    heart: count('heart'),
    hooray: count('hooray'),
    eyes: count('eyes'),
    rocket: count('rocket'),
  };
}

export function reactionJson(reaction: ReactionRecord, u: Urls): Record<string, unknown> {
  return {
    id: reaction.id,
    node_id: nodeId('Reaction', reaction.id),
    user: userJson(reaction.user, u),
    content: reaction.content,
    created_at: reaction.createdAt,
  };
}

export function pullJson(
  data: RepoData,
  pull: PullRecord,
  issue: IssueRecord,
  headData: RepoData | undefined,
  u: Urls,
): Record<string, unknown> {
  const base = repoUrl(data, u);
  const url = `${base}/pulls/${pull.number}`;
  const html = `${u.html}/${data.repo.fullName}/pull/${pull.number}`;
  const headOwner = pull.headRepo.split('/')[0] ?? data.repo.owner;
  const additions = pull.files.reduce((n, f) => n + f.additions, 0);
  const deletions = pull.files.reduce((n, f) => n + f.deletions, 0);
  const issueShape = issueJson(data, issue, u);
  return {
    url,
    id: pull.id,
    node_id: nodeId('PullRequest', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${base}/issues/${pull.number}`,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${base}/pulls/comments{/number}`,
    comments_url: `${base}/issues/${pull.number}/comments`,
    statuses_url: `${base}/statuses/${pull.headSha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: issue.title,
    user: issueShape.user,
    body: issue.body,
    labels: issueShape.labels,
    milestone: null,
    active_lock_reason: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.merged ? issue.closedAt : null,
    merge_commit_sha: pull.mergeCommitSha ?? null,
    assignee: issueShape.assignee,
    assignees: issueShape.assignees,
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${headOwner}:${pull.headRef}`,
      ref: pull.headRef,
      sha: pull.headSha,
      user: userJson({ login: headOwner, type: 'User' }, u),
      repo: headData ? repoJson(headData, u) : null,
    },
    base: {
      label: `${data.repo.owner}:${pull.baseRef}`,
      ref: pull.baseRef,
      sha: pull.baseSha,
      user: userJson({ login: data.repo.owner, type: 'User' }, u),
      repo: repoJson(data, u),
    },
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: `${base}/issues/${pull.number}` },
      comments: { href: `${base}/issues/${pull.number}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${base}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${base}/statuses/${pull.headSha}` },
    },
    author_association: issue.authorAssociation,
    auto_merge: null,
    draft: pull.draft,
    merged: pull.merged,
    mergeable: pull.mergeable,
    rebaseable: pull.mergeable,
    mergeable_state: pull.mergeableState,
    merged_by: null,
    comments: issueShape.comments,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions,
    deletions,
    changed_files: pull.files.length,
  };
}

export function fileJson(
  data: RepoData,
  pull: PullRecord,
  file: PullFileRecord,
  u: Urls,
): Record<string, unknown> {
  const path = file.filename.split('/').map(encodeURIComponent).join('/');
  return {
    sha: pull.headSha,
    filename: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.changes,
    blob_url: `${u.html}/${data.repo.fullName}/blob/${pull.headSha}/${path}`,
    raw_url: `${u.html}/${data.repo.fullName}/raw/${pull.headSha}/${path}`,
    contents_url: `${repoUrl(data, u)}/contents/${path}?ref=${pull.headSha}`,
    ...(file.patch !== undefined ? { patch: file.patch } : {}),
    ...(file.previous_filename !== undefined ? { previous_filename: file.previous_filename } : {}),
  };
}

export function reviewJson(
  data: RepoData,
  pull: PullRecord,
  review: ReviewRecord,
  u: Urls,
): Record<string, unknown> {
  const html = `${u.html}/${data.repo.fullName}/pull/${pull.number}#pullrequestreview-${review.id}`;
  const pullUrl = `${repoUrl(data, u)}/pulls/${pull.number}`;
  return {
    id: review.id,
    node_id: nodeId('PullRequestReview', review.id),
    user: userJson(review.user, u),
    body: review.body,
    state: review.state,
    html_url: html,
    pull_request_url: pullUrl,
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: review.state === 'PENDING' ? undefined : review.submittedAt,
    commit_id: review.commitId,
    author_association: review.authorAssociation,
  };
}

export function checkRunJson(data: RepoData, run: CheckRunRecord, u: Urls): Record<string, unknown> {
  const url = `${repoUrl(data, u)}/check-runs/${run.id}`;
  const pulls = [...data.pulls.values()].filter((p) => p.headSha === run.headSha && p.state === 'open');
  return {
    id: run.id,
    node_id: nodeId('CheckRun', run.id),
    head_sha: run.headSha,
    external_id: run.externalId,
    url,
    html_url: `${u.html}/${data.repo.fullName}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    name: run.name,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.annotations.length,
      annotations_url: `${url}/annotations`,
    },
    check_suite: { id: run.id + 1_000_000 },
    app: { id: 15368, slug: run.appSlug, node_id: nodeId('App', 15368), name: 'GitHub Actions' },
    pull_requests: pulls.map((p) => ({
      id: p.id,
      number: p.number,
      url: `${repoUrl(data, u)}/pulls/${p.number}`,
      head: {
        ref: p.headRef,
        sha: p.headSha,
        repo: { id: data.repo.id, name: data.repo.name, url: repoUrl(data, u) },
      },
      base: {
        ref: p.baseRef,
        sha: p.baseSha,
        repo: { id: data.repo.id, name: data.repo.name, url: repoUrl(data, u) },
      },
    })),
  };
}

export function annotationJson(
  data: RepoData,
  run: CheckRunRecord,
  a: AnnotationRecord,
  u: Urls,
): Record<string, unknown> {
  return {
    path: a.path,
    blob_href: `${u.html}/${data.repo.fullName}/blob/${run.headSha}/${a.path}`,
    start_line: a.start_line,
    end_line: a.end_line,
    start_column: a.start_column ?? null,
    end_column: a.end_column ?? null,
    annotation_level: a.annotation_level,
    title: a.title ?? null,
    message: a.message,
    raw_details: a.raw_details ?? null,
  };
}

export function statusJson(data: RepoData, s: StatusRecord, u: Urls): Record<string, unknown> {
  return {
    url: `${repoUrl(data, u)}/statuses/${s.sha}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${userId(s.creator.login)}?v=4`,
    id: s.id,
    node_id: nodeId('StatusContext', s.id),
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    creator: userJson(s.creator, u),
  };
}

export function refJson(data: RepoData, ref: string, sha: string, u: Urls): Record<string, unknown> {
  return {
    ref,
    node_id: nodeId('Ref', `${data.repo.id}:${ref}`),
    url: `${repoUrl(data, u)}/git/${ref}`,
    object: { type: 'commit', sha, url: `${repoUrl(data, u)}/git/commits/${sha}` },
  };
}

export function deploymentJson(data: RepoData, d: DeploymentRecord, u: Urls): Record<string, unknown> {
  const url = `${repoUrl(data, u)}/deployments/${d.id}`;
  return {
    url,
    id: d.id,
    node_id: nodeId('Deployment', d.id),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: userJson(d.creator, u),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: repoUrl(data, u),
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment,
  };
}

export function deploymentStatusJson(
  data: RepoData,
  d: DeploymentRecord,
  s: DeploymentStatusRecord,
  u: Urls,
): Record<string, unknown> {
  const deploymentUrl = `${repoUrl(data, u)}/deployments/${d.id}`;
  return {
    url: `${deploymentUrl}/statuses/${s.id}`,
    id: s.id,
    node_id: nodeId('DeploymentStatus', s.id),
    state: s.state,
    creator: userJson(s.creator, u),
    description: s.description,
    environment: s.environment,
    target_url: s.targetUrl,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    deployment_url: deploymentUrl,
    repository_url: repoUrl(data, u),
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
  };
}

export function gitCommitJson(data: RepoData, c: CommitRecord, u: Urls): Record<string, unknown> {
  const person = {
    name: 'github-actions[bot]',
    email: '41898282+github-actions[bot]@users.noreply.github.com',
    date: c.createdAt,
  };
  return {
    sha: c.sha,
    node_id: nodeId('Commit', c.sha),
    url: `${repoUrl(data, u)}/git/commits/${c.sha}`,
    html_url: `${u.html}/${data.repo.fullName}/commit/${c.sha}`,
    author: person,
    committer: person,
    message: c.message,
    tree: { sha: c.tree, url: `${repoUrl(data, u)}/git/trees/${c.tree}` },
    parents: c.parents.map((sha) => ({
      sha,
      url: `${repoUrl(data, u)}/git/commits/${sha}`,
      html_url: `${u.html}/${data.repo.fullName}/commit/${sha}`,
    })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}
