// An intrusive AVL tree over a caller-provided array: each element embeds an AvlNode (its key and links)
// and is named by its index in the array, so the tree allocates nothing and one array can hold several
// trees (one AvlNode field per tree, or one field shared by trees whose elements never overlap). Keys are
// (Major, Minor) pairs compared in that order and must be unique within a tree.
//
// AVL: every node's two subtrees differ in height by at most one, so the height stays below
// 1.44 log2(n + 2) (Adelson-Velsky and Landis, 1962; Knuth, TAOCP vol. 3, 6.2.3), which bounds every
// operation, and the recursion depth of insert and remove, by O(log n). There are no parent links:
// the successor of a node is found by a search from the root, O(log n) as well.
namespace Kitten.Kernel.Memory;

internal struct AvlNode
{
    public ulong Major;
    public ulong Minor;
    public int Left;
    public int Right;
    public int Height; // of the subtree rooted here; an empty subtree has height 0
}

internal unsafe struct AvlTree
{
    public const int Nil = -1;

    private byte* _first; // the AvlNode of element 0
    private int _stride;  // bytes from one element's AvlNode to the next one's
    private int _root;
    private int _count;

    // Nodes looked at by every operation so far: a debug statistic that lets tests check the O(log n) bound.
    public ulong Visits;

    public readonly int Count => _count;
    public readonly int Root => _root;

    public void Initialize(AvlNode* first, int stride)
    {
        _first = (byte*)first;
        _stride = stride;
        _root = Nil;
        _count = 0;
        Visits = 0;
    }

    public readonly AvlNode* At(int index) => (AvlNode*)(_first + (long)index * _stride);

    // Links element index in; its key must already be set and must not be in the tree yet.
    public void Insert(int index)
    {
        AvlNode* node = At(index);
        node->Left = Nil;
        node->Right = Nil;
        node->Height = 1;
        _root = InsertUnder(_root, index, node->Major, node->Minor);
        _count++;
    }

    // Unlinks the element that has this element's key; false if there is none.
    public bool Remove(int index)
    {
        AvlNode* node = At(index);
        bool found = false;
        _root = RemoveUnder(_root, node->Major, node->Minor, ref found);
        if (found)
            _count--;
        return found;
    }

    public int Find(ulong major, ulong minor)
    {
        int n = _root;
        while (n != Nil)
        {
            Visits++;
            int c = Compare(n, major, minor);
            if (c == 0)
                return n;
            n = c > 0 ? At(n)->Left : At(n)->Right;
        }
        return Nil;
    }

    // The element with the smallest key >= (major, minor), or Nil.
    public int LowerBound(ulong major, ulong minor)
    {
        int best = Nil;
        int n = _root;
        while (n != Nil)
        {
            Visits++;
            if (Compare(n, major, minor) >= 0)
            {
                best = n;
                n = At(n)->Left;
            }
            else
            {
                n = At(n)->Right;
            }
        }
        return best;
    }

    // The element with the largest key <= (major, minor), or Nil.
    public int Floor(ulong major, ulong minor)
    {
        int best = Nil;
        int n = _root;
        while (n != Nil)
        {
            Visits++;
            if (Compare(n, major, minor) <= 0)
            {
                best = n;
                n = At(n)->Right;
            }
            else
            {
                n = At(n)->Left;
            }
        }
        return best;
    }

    // The element after index in key order, or Nil.
    public int Next(int index)
    {
        AvlNode* node = At(index);
        if (node->Minor != ulong.MaxValue)
            return LowerBound(node->Major, node->Minor + 1);
        return node->Major == ulong.MaxValue ? Nil : LowerBound(node->Major + 1, 0);
    }

    // The element before index in key order, or Nil.
    public int Previous(int index)
    {
        AvlNode* node = At(index);
        if (node->Minor != 0)
            return Floor(node->Major, node->Minor - 1);
        return node->Major == 0 ? Nil : Floor(node->Major - 1, ulong.MaxValue);
    }

    public int First() => LowerBound(0, 0);

    public int Last() => Floor(ulong.MaxValue, ulong.MaxValue);

    // Checks order, balance, heights and the count; null if all hold, else what is wrong. capacity (the
    // array's length) bounds the walk, so that a cycle is reported instead of followed forever.
    public readonly string Validate(int capacity)
    {
        if (_count < 0 || _count > capacity)
            return "tree count out of range";
        int seen = 0;
        string problem = null;
        CheckUnder(_root, false, 0, 0, false, 0, 0, capacity, ref seen, ref problem);
        if (problem != null)
            return problem;
        return seen == _count ? null : "tree count does not match its nodes";
    }

    private int InsertUnder(int root, int index, ulong major, ulong minor)
    {
        if (root == Nil)
            return index;
        Visits++;
        AvlNode* r = At(root);
        if (Compare(root, major, minor) > 0)
            r->Left = InsertUnder(r->Left, index, major, minor);
        else
            r->Right = InsertUnder(r->Right, index, major, minor);
        return Rebalance(root);
    }

    private int RemoveUnder(int root, ulong major, ulong minor, ref bool found)
    {
        if (root == Nil)
            return Nil;
        Visits++;
        AvlNode* r = At(root);
        int c = Compare(root, major, minor);
        if (c > 0)
        {
            r->Left = RemoveUnder(r->Left, major, minor, ref found);
        }
        else if (c < 0)
        {
            r->Right = RemoveUnder(r->Right, major, minor, ref found);
        }
        else
        {
            found = true;
            if (r->Left == Nil)
                return r->Right;
            if (r->Right == Nil)
                return r->Left;
            // Two children: the smallest node of the right subtree takes this node's place.
            int right = RemoveSmallest(r->Right, out int successor);
            AvlNode* s = At(successor);
            s->Left = r->Left;
            s->Right = right;
            root = successor;
        }
        return Rebalance(root);
    }

    private int RemoveSmallest(int root, out int smallest)
    {
        Visits++;
        AvlNode* r = At(root);
        if (r->Left == Nil)
        {
            smallest = root;
            return r->Right;
        }
        r->Left = RemoveSmallest(r->Left, out smallest);
        return Rebalance(root);
    }

    // Restores the AVL property at n after one of its subtrees grew or shrank by one; returns the new root
    // of this subtree.
    private int Rebalance(int n)
    {
        AvlNode* node = At(n);
        UpdateHeight(node);
        int balance = HeightOf(node->Left) - HeightOf(node->Right);
        if (balance > 1)
        {
            AvlNode* left = At(node->Left);
            if (HeightOf(left->Left) < HeightOf(left->Right))
                node->Left = RotateLeft(node->Left);
            return RotateRight(n);
        }
        if (balance < -1)
        {
            AvlNode* right = At(node->Right);
            if (HeightOf(right->Right) < HeightOf(right->Left))
                node->Right = RotateRight(node->Right);
            return RotateLeft(n);
        }
        return n;
    }

    private int RotateRight(int n)
    {
        AvlNode* node = At(n);
        int l = node->Left;
        AvlNode* left = At(l);
        node->Left = left->Right;
        left->Right = n;
        UpdateHeight(node);
        UpdateHeight(left);
        return l;
    }

    private int RotateLeft(int n)
    {
        AvlNode* node = At(n);
        int r = node->Right;
        AvlNode* right = At(r);
        node->Right = right->Left;
        right->Left = n;
        UpdateHeight(node);
        UpdateHeight(right);
        return r;
    }

    private void UpdateHeight(AvlNode* node)
    {
        int l = HeightOf(node->Left);
        int r = HeightOf(node->Right);
        node->Height = (l > r ? l : r) + 1;
    }

    private readonly int HeightOf(int n) => n == Nil ? 0 : At(n)->Height;

    // Sign of (element n's key - (major, minor)).
    private readonly int Compare(int n, ulong major, ulong minor)
    {
        AvlNode* node = At(n);
        if (node->Major != major)
            return node->Major < major ? -1 : 1;
        if (node->Minor != minor)
            return node->Minor < minor ? -1 : 1;
        return 0;
    }

    // Returns the height of the subtree at n; keys must lie strictly between the bounds that are present.
    private readonly int CheckUnder(int n, bool hasLow, ulong lowMajor, ulong lowMinor, bool hasHigh,
        ulong highMajor, ulong highMinor, int capacity, ref int seen, ref string problem)
    {
        if (n == Nil || problem != null)
            return 0;
        if (n < 0 || n >= capacity)
        {
            problem = "tree link out of range";
            return 0;
        }
        if (++seen > _count)
        {
            problem = "tree has more nodes than its count (a cycle or a stray link)";
            return 0;
        }
        AvlNode* node = At(n);
        if ((hasLow && Compare(n, lowMajor, lowMinor) <= 0) || (hasHigh && Compare(n, highMajor, highMinor) >= 0))
        {
            problem = "tree keys out of order";
            return 0;
        }
        int l = CheckUnder(node->Left, hasLow, lowMajor, lowMinor, true, node->Major, node->Minor, capacity,
            ref seen, ref problem);
        int r = CheckUnder(node->Right, true, node->Major, node->Minor, hasHigh, highMajor, highMinor, capacity,
            ref seen, ref problem);
        if (problem != null)
            return 0;
        int height = (l > r ? l : r) + 1;
        if (node->Height != height)
            problem = "tree height field is wrong";
        else if (l - r > 1 || r - l > 1)
            problem = "tree is out of balance";
        return height;
    }
}
