// In-memory GitHub: just the resources a GitOps action touches. Plain records, no behaviour beyond bookkeeping;
// routes.ts turns them into GitHub's JSON shapes.

export type Permission = 'none' | 'read' | 'write';
export type PermissionName =
  'issues' | 'pull_requests' | 'checks' | 'statuses' | 'contents' | 'metadata' | 'actions' | 'deployments';
export type Permissions = Partial<Record<PermissionName, Permission>>;

export interface TokenInfo {
  token: string;
  /** The account the token acts as; comments it writes carry this login. */
  login: string;
  userType: 'Bot' | 'User';
  /** `undefined`: full write (an unregistered token). */
  permissions?: Permissions;
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
  fork: boolean;
}

export interface UserRef {
  login: string;
  type: 'Bot' | 'User';
}

export interface LabelRecord {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface IssueRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
  user: UserRef;
  labels: string[];
  assignees: string[];
  authorAssociation: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Set when this issue number belongs to a pull request (GitHub numbers both from one sequence). */
  isPullRequest: boolean;
}

export interface PullRecord {
  id: number;
  number: number;
  headSha: string;
  headRef: string;
  /** owner/name of the head repository: differs from the base repository for forks. */
  headRepo: string;
  baseRef: string;
  baseSha: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergeable: boolean | null;
  mergeableState: string;
  /** The commit a merge created on the base branch (commit → pull requests finds the pull request by it). */
  mergeCommitSha?: string;
  draft: boolean;
  files: PullFileRecord[];
  reviews: ReviewRecord[];
}

export interface PullFileRecord {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  additions: number;
  deletions: number;
  changes: number;
  previous_filename?: string;
  patch?: string;
}

export interface ReviewRecord {
  id: number;
  user: UserRef;
  body: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  commitId: string;
  submittedAt: string;
  authorAssociation: string;
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: UserRef;
  authorAssociation: string;
  createdAt: string;
  updatedAt: string;
  reactions: ReactionRecord[];
}

export interface ReactionRecord {
  id: number;
  content: string;
  user: UserRef;
  createdAt: string;
}

export interface AnnotationRecord {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunRecord {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** All annotations, in order, accumulated across create and every update (as GitHub does). */
  annotations: AnnotationRecord[];
  actions: unknown[];
  appSlug: string;
}

export interface StatusRecord {
  id: number;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: UserRef;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentStatusRecord {
  id: number;
  state: 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';
  description: string;
  environment: string;
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  creator: UserRef;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentRecord {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  creator: UserRef;
  createdAt: string;
  updatedAt: string;
  /** Oldest first. */
  statuses: DeploymentStatusRecord[];
}

export interface CommitRecord {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
  createdAt: string;
}

export interface RepoData {
  repo: RepoRecord;
  issues: Map<number, IssueRecord>;
  pulls: Map<number, PullRecord>;
  comments: Map<number, CommentRecord>;
  labels: Map<string, LabelRecord>;
  checkRuns: Map<number, CheckRunRecord>;
  statuses: StatusRecord[];
  /** Full ref name (`refs/heads/main`) → sha. */
  refs: Map<string, string>;
  /** login → collaborator permission (`admin`, `maintain`, `write`, `triage`, `read`, `none`). */
  collaborators: Map<string, string>;
  deployments: Map<number, DeploymentRecord>;
  /** Commit objects written through the git database API (no graph beyond their parents). */
  commits: Map<string, CommitRecord>;
  nextNumber: number;
}

/** The whole stand-in world. Ids come from one increasing counter, like GitHub's. */
export class StandInState {
  readonly repos = new Map<string, RepoData>();
  readonly tokens = new Map<string, TokenInfo>();
  private nextId = 1000;
  /** Requests answered so far, for the x-ratelimit-* headers. */
  rateLimitUsed = 0;

  constructor(readonly clock: () => Date = () => new Date()) {}

  id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  /** GitHub's timestamp format: ISO 8601, whole seconds, `Z`. */
  now(): string {
    return this.clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  repo(fullName: string): RepoData | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  mustRepo(fullName: string): RepoData {
    const data = this.repo(fullName);
    if (!data) throw new Error(`stand-in: no repository ${fullName}; seed it with addRepo()`);
    return data;
  }

  addRepo(input: {
    owner: string;
    name: string;
    defaultBranch?: string;
    private?: boolean;
    fork?: boolean;
  }): RepoData {
    const fullName = `${input.owner}/${input.name}`;
    const existing = this.repo(fullName);
    if (existing) return existing;
    const data: RepoData = {
      repo: {
        id: this.id(),
        owner: input.owner,
        name: input.name,
        fullName,
        defaultBranch: input.defaultBranch ?? 'main',
        private: input.private ?? false,
        fork: input.fork ?? false,
      },
      issues: new Map(),
      pulls: new Map(),
      comments: new Map(),
      labels: new Map(),
      checkRuns: new Map(),
      statuses: [],
      refs: new Map(),
      collaborators: new Map(),
      deployments: new Map(),
      commits: new Map(),
      nextNumber: 1,
    };
    this.repos.set(fullName.toLowerCase(), data);
    return data;
  }

  addIssue(
    data: RepoData,
    input: { title: string; body?: string | null; user: UserRef; labels?: string[]; isPullRequest?: boolean },
  ): IssueRecord {
    const now = this.now();
    for (const label of input.labels ?? []) this.ensureLabel(data, label);
    const issue: IssueRecord = {
      id: this.id(),
      number: data.nextNumber,
      title: input.title,
      body: input.body ?? null,
      state: 'open',
      stateReason: null,
      user: input.user,
      labels: [...(input.labels ?? [])],
      assignees: [],
      authorAssociation: this.association(data, input.user.login),
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      isPullRequest: input.isPullRequest ?? false,
    };
    data.nextNumber += 1;
    data.issues.set(issue.number, issue);
    return issue;
  }

  addComment(data: RepoData, issueNumber: number, body: string, user: UserRef): CommentRecord {
    const now = this.now();
    const comment: CommentRecord = {
      id: this.id(),
      issueNumber,
      body,
      user,
      authorAssociation: this.association(data, user.login),
      createdAt: now,
      updatedAt: now,
      reactions: [],
    };
    data.comments.set(comment.id, comment);
    return comment;
  }

  ensureLabel(
    data: RepoData,
    name: string,
    color = 'ededed',
    description: string | null = null,
  ): LabelRecord {
    const key = name.toLowerCase();
    const existing = data.labels.get(key);
    if (existing) return existing;
    const label: LabelRecord = { id: this.id(), name, color, description, default: false };
    data.labels.set(key, label);
    return label;
  }

  /** GitHub's author_association: OWNER for the repository owner, else from the collaborator permission. */
  association(data: RepoData, login: string): string {
    if (login.toLowerCase() === data.repo.owner.toLowerCase()) return 'OWNER';
    const permission = data.collaborators.get(login.toLowerCase());
    if (permission && permission !== 'none') return 'COLLABORATOR';
    return 'NONE';
  }
}
