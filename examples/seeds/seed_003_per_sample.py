"""Seed 003: per-sample updates, zeroing the gradients before each sample."""
import ember as torch
import ember.nn as nn
import ember.optim as optim

torch.manual_seed(0)

# 定义简单线性模型
model = nn.Linear(1, 1)  # 线性模型:1个输入,1个输出
optimizer = optim.SGD(model.parameters(), lr=0.01)  # 使用 SGD 优化器

# 模拟一些数据
x = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=False)  # 输入
y = torch.tensor([[2.0], [3.0], [4.0]], requires_grad=False)  # 目标输出

# 训练循环
for epoch in range(5):  # 假设训练 5 轮
    for i in range(len(x)):  # 遍历每个训练样本
        optimizer.zero_grad()  # 清零梯度,确保只考虑当前样本

        # 前向传播
        output = model(x[i])  # 计算当前样本的输出

        # 计算损失
        loss = (output - y[i]) ** 2  # 均方误差损失

        # 反向传播
        loss.backward()  # 计算梯度,累加到 model 的参数中

        # 更新参数
        optimizer.step()  # 使用累加的梯度更新参数

        print(f"Epoch: {epoch}, Sample: {i}, Loss: {loss.item()}, W: {model.weight.data}, b: {model.bias.data}")
