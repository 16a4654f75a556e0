"""The demo's start page (演示说明): what the demo is and which accounts to log in with."""
from __future__ import annotations

from flask import render_template_string
from flask_appbuilder import BaseView, expose

from govkit.toolkit import db, online_demo_listing

from county_demo.accounts import ACCOUNTS, PASSWORD

PAGE = """{% extends "appbuilder/base.html" %}
{% block content %}
<h2>示范县政务服务网（演示）</h2>
<p>这是 govkit 的演示县：示范市 &gt; 示范县 &gt; 3 个乡镇（街道）&gt; 20 个村（社区）。
数据均为虚构，可以随意操作；用 <code>govkit demo --reset</code> 重新生成。</p>
<table class="table table-bordered table-condensed" style="max-width:56em">
<tr><th>账号</th><th>密码</th><th>角色</th><th>姓名</th><th>说明</th></tr>
{% for a in accounts %}<tr><td><code>{{ a.username }}</code></td><td><code>{{ a.password }}</code></td>
<td>{{ a.role }}</td><td>{{ a.name }}</td><td>{{ a.note }}</td></tr>{% endfor %}
</table>
<p>每个村（社区）另有受理员 <code>slr</code>+区划代码后 6 位、代办员 <code>dby</code>+区划代码后 6 位
（如柳湾村 <code>slr101202</code> / <code>dby101202</code>），密码均为 <code>{{ password }}</code>。</p>
<p><a class="btn btn-primary" href="/login/">去登录</a></p>
<h3>网上办事大厅（申请人）</h3>
<p>申请人在 <a href="/online/login">/online/login</a> 用手机号和短信验证码登录（新号码验证后实名注册）。
演示县使用开发用消息通道：短信不真正发出，而是保存在下表中，验证码 5 分钟内有效，获取后刷新本页查看。</p>
<table class="table table-bordered table-condensed" style="max-width:56em">
<tr><th>申请人</th><th>类型</th><th>手机号</th><th>办件数</th><th>最近一条消息（含验证码）</th></tr>
{% for a in applicants %}<tr><td>{{ a.name }}</td><td>{{ a.kind }}</td><td><code>{{ a.phone }}</code></td>
<td>{{ a.cases }}</td><td>{{ a.last_message or "—" }}</td></tr>{% endfor %}
</table>
<h4>开发用消息通道（最近 20 条）</h4>
<table class="table table-bordered table-condensed" style="max-width:56em">
<tr><th>时间</th><th>手机号</th><th>内容</th></tr>
{% for m in dev_messages %}<tr><td>{{ m.created_at|shown }}</td><td><code>{{ m.phone }}</code></td>
<td>{{ m.text }}</td></tr>{% else %}<tr><td colspan="3">暂无消息</td></tr>{% endfor %}
</table>
{% endblock %}"""


class DemoStartView(BaseView):
    """Public page (no login) listing the demo accounts; exists only in the demo."""

    route_base = "/demo"
    default_view = "index"

    @expose("/")
    def index(self):
        applicants, dev_messages = online_demo_listing(db.session)
        return render_template_string(PAGE, appbuilder=self.appbuilder, base_template=self.appbuilder.base_template,
                                      accounts=ACCOUNTS, password=PASSWORD, applicants=applicants,
                                      dev_messages=dev_messages)
