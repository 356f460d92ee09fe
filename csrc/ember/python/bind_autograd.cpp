// Autograd bindings: tensor autograd attributes, backward/grad, grad mode,
// graph nodes as Python objects, and custom functions whose backward is Python.
#include "ember/autograd/autograd.h"
#include "ember/autograd/functions.h"
#include "ember/python/pyutils.h"

namespace ember {
namespace {

// A Python object that may be released from C++ at any time (takes the GIL).
struct PyRef {
  py::object obj;
  explicit PyRef(py::object o) : obj(std::move(o)) {}
  ~PyRef() {
    py::gil_scoped_acquire gil;
    obj = py::object();
  }
};

TensorHook python_hook(py::object fn) {
  auto ref = std::make_shared<PyRef>(std::move(fn));
  return [ref](const Tensor& g) -> Tensor {
    py::gil_scoped_acquire gil;
    py::object r = ref->obj(g);
    return r.is_none() ? Tensor() : r.cast<Tensor>();
  };
}

std::string python_stack() {
  py::gil_scoped_acquire gil;
  py::list frames = py::module_::import("traceback").attr("format_stack")();
  std::string s;
  for (py::handle f : frames) s += f.cast<std::string>();
  return s;
}

std::vector<Tensor> tensors_or_none(py::handle seq) {
  std::vector<Tensor> out;
  for (py::handle h : seq) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}

py::object node_object(const intrusive_ptr<Node>& n) {
  if (!n) return py::none();
  return py::cast(n);
}

}  // namespace

void bind_autograd(py::module_& m, py::class_<TensorImpl, intrusive_ptr<TensorImpl>>& cls) {
  set_anomaly_trace_source(&python_stack);

  py::class_<Node, intrusive_ptr<Node>>(m, "Node")
      .def("name", &Node::name)
      .def_property_readonly("next_functions", [](const Node& n) {
        py::tuple t(n.next_edges.size());
        for (size_t i = 0; i < n.next_edges.size(); ++i)
          t[i] = py::make_tuple(node_object(n.next_edges[i].fn), n.next_edges[i].input_nr);
        return t;
      })
      .def_property_readonly("variable", [](const Node& n) -> py::object {
        if (auto* acc = dynamic_cast<const AccumulateGrad*>(&n)) return py::cast(acc->variable());
        throw py::attribute_error("'" + n.name() + "' object has no attribute 'variable'");
      })
      .def("register_prehook", [](Node& n, py::object fn) {
        n.pre_hooks.push_back({0, python_hook(std::move(fn))});
      })
      .def("__repr__", [](const Node& n) { return "<" + n.name() + " object>"; });

  // ---- tensor attributes ----
  cls.def_property("requires_grad", [](const Tensor& t) { return requires_grad(t); },
                   [](const Tensor& t, bool v) { set_requires_grad(t, v); });
  cls.def("requires_grad_", [](const Tensor& t, bool v) { set_requires_grad(t, v, true); return t; },
          py::arg("requires_grad") = true);
  cls.def_property("grad", [](const Tensor& t) {
    if (!is_leaf(t) && !retains_grad(t))
      PyErr_WarnEx(PyExc_UserWarning, "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                   "Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                   "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
                   "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead.", 1);
    return grad_of(t);
  },
                   [](const Tensor& t, py::handle g) { set_grad(t, g.is_none() ? Tensor() : g.cast<Tensor>()); });
  cls.def_property_readonly("grad_fn", [](const Tensor& t) { return node_object(grad_fn_of(t)); });
  cls.def_property_readonly("is_leaf", [](const Tensor& t) { return is_leaf(t); });
  cls.def_property_readonly("output_nr", [](const Tensor& t) { return output_nr_of(t); });
  cls.def("retain_grad", [](const Tensor& t) { retain_grad(t); });
  cls.def_property_readonly("retains_grad", [](const Tensor& t) { return retains_grad(t); });
  cls.def("_register_hook", [](const Tensor& t, py::object fn) { register_hook(t, python_hook(std::move(fn))); });
  cls.def("detach", [](const Tensor& t) { return detach(t); });
  cls.def("detach_", [](const Tensor& t) { detach_(t); return t; });
  cls.def_property("data", [](const Tensor& t) { return data_of(t); },
                   [](const Tensor& t, const Tensor& other) { set_data(t, other); });
  cls.def_property_readonly("_version", [](const Tensor& t) { return t.impl()->version(); });

  // ---- engine ----
  m.def("_backward", [](py::handle roots, py::handle grads, bool retain_graph, bool create_graph, py::handle inputs) {
    backward(tensors_or_none(roots), tensors_or_none(grads), retain_graph, create_graph,
             inputs.is_none() ? std::vector<Tensor>{} : tensors_or_none(inputs));
  });
  m.def("_grad", [](py::handle roots, py::handle grads, py::handle inputs, bool retain_graph, bool create_graph,
                    bool allow_unused) {
    std::vector<Tensor> r = grad(tensors_or_none(roots), tensors_or_none(grads), tensors_or_none(inputs),
                                 retain_graph, create_graph, allow_unused);
    py::tuple out(r.size());
    for (size_t i = 0; i < r.size(); ++i) out[i] = r[i].defined() ? py::cast(r[i]) : py::none();
    return out;
  });
  m.def("is_grad_enabled", &grad_enabled);
  m.def("_set_grad_enabled", &set_grad_enabled);
  m.def("is_anomaly_enabled", &anomaly_enabled);
  m.def("_set_anomaly_enabled", &set_anomaly_enabled);

  // Custom Python functions: `backward(*grads) -> tuple of grads (None allowed)`.
  m.def("_record_function", [](const std::string& name, py::object backward_fn, py::handle inputs, py::handle outputs,
                                py::object release_fn) {
    auto ref = std::make_shared<PyRef>(std::move(backward_fn));
    auto node = make_intrusive<FunctionNode>(name, [ref](const std::vector<Tensor>& grads) {
      py::gil_scoped_acquire gil;
      py::tuple args(grads.size());
      for (size_t i = 0; i < grads.size(); ++i) args[i] = grads[i].defined() ? py::cast(grads[i]) : py::none();
      py::object r = ref->obj(*args);
      if (!py::isinstance<py::tuple>(r) && !py::isinstance<py::list>(r)) r = py::make_tuple(r);
      return tensors_or_none(r);
    });
    auto release = std::make_shared<PyRef>(std::move(release_fn));
    node->release_ = [release] {
      py::gil_scoped_acquire gil;
      release->obj();
    };
    std::vector<Edge> edges;
    for (py::handle h : inputs) edges.push_back(h.is_none() ? Edge{} : gradient_edge(h.cast<Tensor>()));
    std::vector<Tensor> outs = tensors_or_none(outputs);
    set_history_edges(outs, node, std::move(edges));
    return node_object(node);
  });
}

}  // namespace ember
