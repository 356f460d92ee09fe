// The backward engine: iterative (no recursion, so a 100k-op chain is fine).
// 1. Discover the nodes reachable from the roots and count each node's
//    incoming edges. 2. Run ready nodes (all incoming gradients summed),
//    latest-created first. 3. Validate each produced gradient against the
//    input it flows to (shape: sum back a broadcast; dtype: cast) in one place.
// The graph's saved tensors are released as nodes finish unless retain_graph.
#include <cmath>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "ember/autograd/functions.h"
#include "ember/ops/ops.h"

namespace ember {
namespace {

struct NodeTask {
  std::vector<Tensor> buffer;  // summed incoming gradients, one per node input
  int dependencies = 0;
  bool needed = true;
};

Tensor accumulate(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return add(a, b);
}

Tensor validate(const Tensor& grad, const GradMeta& meta, const Node& producer, size_t index) {
  if (!grad.defined()) return grad;
  Tensor g = grad;
  if (g.sizes() != meta.shape) {
    bool expandable = g.dim() >= int64_t(meta.shape.size());
    for (size_t i = 0; expandable && i < meta.shape.size(); ++i) {
      int64_t gs = g.sizes()[g.dim() - meta.shape.size() + i];
      expandable = meta.shape[i] == gs || meta.shape[i] == 1;
    }
    EMBER_CHECK(expandable, "Function ", producer.name(), " returned an invalid gradient at index ", index,
                " - got ", g.sizes(), " but expected shape compatible with ", meta.shape);
    g = sum_to(g, meta.shape);
  }
  if (g.dtype() != meta.dtype && is_floating(meta.dtype)) g = to_dtype(g, meta.dtype);
  if (__builtin_expect(g.device() != meta.device, 0)) {
    // As PyTorch: a 0-d gradient may come from another device; anything else is an error.
    EMBER_CHECK(g.dim() == 0, "Function ", producer.name(), " returned an invalid gradient at index ", index,
                " - expected device ", meta.device.str(), " but got ", g.device().str());
    g = to_device(g, meta.device, g.dtype());
  }
  return g;
}

bool has_nan(const Tensor& t) {
  if (!t.defined() || !is_floating(t.dtype())) return false;
  GradModeGuard no_grad(false);
  Tensor n = any(binary(BinaryOp::Ne, Operand(t), Operand(t)));
  return *static_cast<bool*>(n.raw_data());
}

struct GraphTask {
  std::unordered_map<Node*, NodeTask> tasks;
  // Capture targets (autograd.grad): edge -> output slot.
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> captures;
  std::vector<Tensor> captured;
  bool accumulate_into_leaves = true;
};

void discover(GraphTask& g, const std::vector<Edge>& roots) {
  std::vector<Node*> stack;
  for (const Edge& e : roots) {
    if (!e.fn) continue;
    if (g.tasks.emplace(e.fn.get(), NodeTask{}).second) stack.push_back(e.fn.get());
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (!e.fn) continue;
      auto [it, inserted] = g.tasks.emplace(e.fn.get(), NodeTask{});
      it->second.dependencies++;
      if (inserted) stack.push_back(e.fn.get());
    }
  }
}

// With capture targets, only nodes on a path to a target need to run.
void mark_needed(GraphTask& g, const std::vector<Edge>& roots) {
  std::unordered_map<Node*, int> state;  // 0 unvisited, 1 in progress, 2 done
  for (auto& [n, t] : g.tasks) t.needed = g.captures.count(n) > 0;
  // Post-order over the discovered graph, iterative.
  for (const Edge& r : roots) {
    if (!r.fn) continue;
    std::vector<std::pair<Node*, size_t>> stack{{r.fn.get(), 0}};
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      if (i == 0 && state[n] == 2) { stack.pop_back(); continue; }
      state[n] = 1;
      if (i < n->next_edges.size()) {
        Node* c = n->next_edges[i++].fn.get();
        if (c && state[c] == 0) stack.push_back({c, 0});
        continue;
      }
      NodeTask& t = g.tasks[n];
      for (const Edge& e : n->next_edges)
        if (e.fn && g.tasks[e.fn.get()].needed) t.needed = true;
      state[n] = 2;
      stack.pop_back();
    }
  }
}

void execute(GraphTask& g, const std::vector<Edge>& roots, const std::vector<Tensor>& root_grads, bool retain_graph) {
  auto later_first = [](Node* a, Node* b) { return a->sequence_nr < b->sequence_nr; };
  std::priority_queue<Node*, std::vector<Node*>, decltype(later_first)> ready(later_first);
  for (size_t i = 0; i < roots.size(); ++i) {
    NodeTask& t = g.tasks[roots[i].fn.get()];
    if (t.buffer.size() < roots[i].fn->grad_meta.size()) t.buffer.resize(roots[i].fn->grad_meta.size());
    Tensor& slot = t.buffer[roots[i].input_nr];
    slot = accumulate(slot, root_grads[i]);
  }
  std::unordered_set<Node*> queued;
  for (const Edge& e : roots)
    if (g.tasks[e.fn.get()].dependencies == 0 && queued.insert(e.fn.get()).second) ready.push(e.fn.get());

  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    NodeTask& task = g.tasks[node];
    std::vector<Tensor> inputs = std::move(task.buffer);
    inputs.resize(node->grad_meta.size());
    // Tensor hooks on non-leaf outputs, then retain_grad.
    for (auto* hooks : {&node->pre_hooks, &node->retain_hooks})
      for (auto& [nr, hook] : *hooks) {
        if (nr >= inputs.size() || !inputs[nr].defined()) continue;
        Tensor r = hook(inputs[nr]);
        if (r.defined()) inputs[nr] = r;
      }
    auto cap = g.captures.find(node);
    if (cap != g.captures.end())
      for (auto [nr, slot] : cap->second) g.captured[slot] = accumulate(g.captured[slot], inputs[nr]);
    bool is_accumulator = dynamic_cast<AccumulateGrad*>(node) != nullptr;
    if (!task.needed || (is_accumulator && !g.accumulate_into_leaves)) continue;

    std::vector<Tensor> outputs = node->apply(std::move(inputs));
    if (!retain_graph) node->release_saved();
    EMBER_CHECK(outputs.size() == node->next_edges.size() || is_accumulator, "function ", node->name(),
                " returned an incorrect number of gradients (expected ", node->next_edges.size(), ", got ",
                outputs.size(), ")");
    for (size_t i = 0; i < outputs.size() && i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.fn) continue;
      Tensor grad = validate(outputs[i], e.fn->grad_meta[e.input_nr], *node, i);
      if (anomaly_enabled() && has_nan(grad))
        EMBER_ERROR("Function '", node->name(), "' returned nan values in its ", i, "th output.",
                    node->forward_trace.empty() ? "" : "\nTraceback of the forward call that caused the error:\n",
                    node->forward_trace);
      NodeTask& next = g.tasks[e.fn.get()];
      if (next.buffer.size() < e.fn->grad_meta.size()) next.buffer.resize(e.fn->grad_meta.size());
      next.buffer[e.input_nr] = accumulate(next.buffer[e.input_nr], grad);
      if (--next.dependencies == 0) ready.push(e.fn.get());
    }
  }
}

std::vector<Edge> root_edges(const std::vector<Tensor>& roots) {
  std::vector<Edge> edges;
  for (size_t i = 0; i < roots.size(); ++i) {
    Edge e = gradient_edge(roots[i]);
    EMBER_CHECK(e.valid(), "element ", i, " of tensors does not require grad and does not have a grad_fn");
    edges.push_back(e);
  }
  return edges;
}

std::vector<Tensor> make_root_grads(const std::vector<Tensor>& roots, const std::vector<Tensor>& given) {
  std::vector<Tensor> grads;
  for (size_t i = 0; i < roots.size(); ++i) {
    if (i < given.size() && given[i].defined()) {
      EMBER_CHECK(given[i].sizes() == roots[i].sizes(), "Mismatch in shape: grad_output[", i, "] has a shape of torch.Size(",
                  given[i].sizes(), ") and output[", i, "] has a shape of torch.Size(", roots[i].sizes(), ").");
      grads.push_back(given[i]);
    } else {
      EMBER_CHECK(roots[i].numel() == 1, "grad can be implicitly created only for scalar outputs");
      grads.push_back(ones(roots[i].sizes(), roots[i].dtype(), roots[i].device()));
    }
  }
  return grads;
}

}  // namespace

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots, bool retain_graph,
              bool create_graph, const std::vector<Tensor>& inputs) {
  if (!inputs.empty()) {
    std::vector<Tensor> gs = grad(roots, grad_roots, inputs, retain_graph, create_graph, true);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!gs[i].defined()) continue;
      AutogradMeta& m = inputs[i].impl()->autograd_mut();
      m.grad = m.grad.defined() ? add(m.grad, gs[i]) : gs[i];
    }
    return;
  }
  GradModeGuard mode(create_graph);
  std::vector<Edge> edges = root_edges(roots);
  std::vector<Tensor> root_grads = make_root_grads(roots, grad_roots);
  GraphTask g;
  discover(g, edges);
  execute(g, edges, root_grads, retain_graph || create_graph);
}

std::vector<Tensor> grad(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
                         const std::vector<Tensor>& inputs, bool retain_graph, bool create_graph,
                         bool allow_unused) {
  GradModeGuard mode(create_graph);
  std::vector<Edge> edges = root_edges(roots);
  std::vector<Tensor> root_grads = make_root_grads(roots, grad_roots);
  GraphTask g;
  g.accumulate_into_leaves = false;
  g.captured.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    EMBER_CHECK(requires_grad(inputs[i]), "One of the differentiated Tensors does not require grad");
    Edge e = gradient_edge(inputs[i]);
    g.captures[e.fn.get()].push_back({e.input_nr, i});
  }
  discover(g, edges);
  mark_needed(g, edges);
  execute(g, edges, root_grads, retain_graph || create_graph);
  for (size_t i = 0; i < inputs.size(); ++i) {
    EMBER_CHECK(g.captured[i].defined() || allow_unused, "The differentiated Tensor at index ", i, " appears to not "
                "have been used in the graph. Set allow_unused=True if this is the desired behavior.");
    if (g.captured[i].defined() && !create_graph) g.captured[i] = detach(g.captured[i]);
  }
  return g.captured;
}

}  // namespace ember
